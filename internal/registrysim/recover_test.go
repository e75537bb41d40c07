package registrysim

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecoverer(t *testing.T) {
	answer := func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }
	h := Recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }), slog.New(slog.DiscardHandler), answer)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("a panic answered %d, want the API's internal error", rec.Code)
	}
	abort := Recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }), slog.New(slog.DiscardHandler), answer)
	defer func() {
		if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint // sentinel compared as panic value
			t.Errorf("recovered %v, want http.ErrAbortHandler passed on", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
}
