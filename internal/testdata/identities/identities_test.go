package identities

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"os"
	"testing"

	"github.com/capturestation/station/internal/osiaspec"
	"github.com/getkin/kin-openapi/openapi3filter"
)

var update = flag.Bool("update", false, "rewrite the sample identity")

const samplePath = "testdata/sample-identity.json"

// Every generated document must be a valid OSIA Identity: it is sent as the
// body of "create identity" and validated against pr.yaml.
func TestIdentityIsValidOSIA(t *testing.T) {
	ctx := context.Background()
	_, router, err := osiaspec.Router(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{2 << 10, 300 << 10} {
		doc, err := Identity(7, 3, Options{ImageBytes: size, Fingers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc) < size || len(doc) > 2*size+8<<10 {
			t.Errorf("size %d: document is %d bytes", size, len(doc))
		}
		again, _ := Identity(7, 3, Options{ImageBytes: size, Fingers: 2})
		if !bytes.Equal(doc, again) {
			t.Error("not reproducible from the seed")
		}
		req, _ := http.NewRequest("POST", "http://127.0.0.1/v1/persons/p1/identities/i1?transactionId=t1", bytes.NewReader(doc))
		req.Header.Set("Content-Type", "application/json")
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		})
		if err != nil {
			t.Errorf("size %d: not a valid OSIA Identity: %v", size, err)
		}
	}
}

// The sample shipped for the README's walk-through is the generator's output.
func TestSampleIsGenerated(t *testing.T) {
	want, err := Identity(1, 0, Options{ImageBytes: 6 << 10, Fingers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(samplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go test ./internal/testdata/identities -update", samplePath)
	}
}
