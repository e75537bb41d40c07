package osiaspec

import (
	"context"
	"net/http"
	"testing"
)

func TestRouterFindsEveryPersonRoute(t *testing.T) {
	_, r, err := Router(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path, op string
	}{
		{http.MethodPost, "/v1/persons", "/v1/persons"},
		{http.MethodPost, "/v1/persons/p1", "/v1/persons/{personId}"},
		{http.MethodPost, "/v1/persons/p1/identities/i1", "/v1/persons/{personId}/identities/{identityId}"},
		{http.MethodPatch, "/v1/persons/p1/identities/i1", "/v1/persons/{personId}/identities/{identityId}"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://127.0.0.1:1"+tt.path, nil)
		route, _, err := r.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		if route.Path != tt.op {
			t.Errorf("%s %s matched %s, want %s", tt.method, tt.path, route.Path, tt.op)
		}
	}
}
