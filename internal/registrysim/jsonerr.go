package registrysim

import (
	"encoding/json"
	"net/http"
)

// WriteJSON writes v as a JSON response with the given status. Encoding
// errors can only come from v's own types and are ignored after the header is
// sent, as nothing useful can be told to the peer at that point.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// ErrorBody is the {code, message} error object that OSIA interfaces (and the
// simulator control endpoints) answer with.
type ErrorBody struct {
	Code    int32  `json:"code"`
	Message string `json:"message"`
}

// WriteError writes an ErrorBody whose code is the HTTP status.
func WriteError(w http.ResponseWriter, status int, message string) {
	WriteJSON(w, status, ErrorBody{Code: int32(status), Message: message})
}
