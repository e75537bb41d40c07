package registrysim

import (
	"fmt"
	"log/slog"
	"net/http"
)

// Recoverer turns a handler panic into the API's internal-error answer
// (answer writes it) so that a bug answers instead of killing the
// connection. It re-panics http.ErrAbortHandler, which is how dropped
// responses are made.
func Recoverer(next http.Handler, logger *slog.Logger, answer func(w http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel value compared as panic value
					panic(v)
				}
				logger.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				answer(w)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
