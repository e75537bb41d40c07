package idvsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/capturestation/station/internal/registrysim"
)

// ErrorBody is the error answer of every operation: the HTTP status, a
// message (a string, or for request validation one string per problem) and
// the status text. The API document shows error answers only as {} with
// status 400; this shape is the simulator's choice, and the connector reads
// it leniently.
type ErrorBody struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, message string) {
	registrysim.WriteJSON(w, status, ErrorBody{StatusCode: status, Message: message, Error: http.StatusText(status)})
}

func writeProblems(w http.ResponseWriter, problems []string) {
	registrysim.WriteJSON(w, http.StatusBadRequest, ErrorBody{StatusCode: http.StatusBadRequest, Message: problems, Error: http.StatusText(http.StatusBadRequest)})
}

// writeAuthError answers a refused bearer token with 401 and the
// WWW-Authenticate header of RFC 6750.
func writeAuthError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, registrysim.ErrNoToken):
		w.Header().Set("WWW-Authenticate", `Bearer realm="idv"`)
		writeError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token> from the token endpoint")
	case errors.Is(err, registrysim.ErrInsufficientScope):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		writeError(w, http.StatusForbidden, err.Error())
	default:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, err.Error()+"; fetch a new token")
	}
}

// form reads and checks a JSON object body, collecting one message per
// problem in the style of the API's validation answers.
type form struct {
	raw      map[string]json.RawMessage
	used     map[string]bool
	problems []string
}

// readForm decodes the body of c as a JSON object. It answers and returns
// nil when the body is not one.
func readForm(c *call) *form {
	if ct := c.r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeError(c.w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return nil
	}
	b, err := io.ReadAll(c.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", mbe.Limit))
			return nil
		}
		writeError(c.w, http.StatusBadRequest, "read request body: "+err.Error())
		return nil
	}
	f := &form{used: map[string]bool{}}
	if len(strings.TrimSpace(string(b))) == 0 {
		f.raw = map[string]json.RawMessage{}
		return f
	}
	if err := json.Unmarshal(b, &f.raw); err != nil || f.raw == nil {
		writeError(c.w, http.StatusBadRequest, "request body must be a JSON object")
		return nil
	}
	return f
}

func (f *form) get(name string, required bool) (json.RawMessage, bool) {
	f.used[name] = true
	v, ok := f.raw[name]
	if !ok || string(v) == "null" {
		if required {
			f.problems = append(f.problems, name+" should not be empty")
		}
		return nil, false
	}
	return v, true
}

// str reads a string member.
func (f *form) str(name string, required bool) string {
	v, ok := f.get(name, required)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		f.problems = append(f.problems, name+" must be a string")
		return ""
	}
	if required && strings.TrimSpace(s) == "" {
		f.problems = append(f.problems, name+" should not be empty")
	}
	return s
}

// boolean reads a boolean member.
func (f *form) boolean(name string, required bool) (value, present bool) {
	v, ok := f.get(name, required)
	if !ok {
		return false, false
	}
	if json.Unmarshal(v, &value) != nil {
		f.problems = append(f.problems, name+" must be a boolean value")
		return false, false
	}
	return value, true
}

// number reads a number member.
func (f *form) number(name string, required bool) (value float64, present bool) {
	v, ok := f.get(name, required)
	if !ok {
		return 0, false
	}
	if json.Unmarshal(v, &value) != nil {
		f.problems = append(f.problems, name+" must be a number conforming to the specified constraints")
		return 0, false
	}
	return value, true
}

// enum reads a string member that must be one of allowed.
func (f *form) enum(name string, required bool, allowed ...string) string {
	s := f.str(name, required)
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	f.problems = append(f.problems, name+" must be one of the following values: "+strings.Join(allowed, ", "))
	return ""
}

// strings reads a member that is a string or an array of strings.
func (f *form) strs(name string) []string {
	v, ok := f.get(name, false)
	if !ok {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(v, &many) != nil {
		f.problems = append(f.problems, name+" must be a string or an array of strings")
		return nil
	}
	return many
}

// object reads an object member.
func (f *form) object(name string, required bool) map[string]json.RawMessage {
	v, ok := f.get(name, required)
	if !ok {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || m == nil {
		f.problems = append(f.problems, name+" must be an object")
		return nil
	}
	return m
}

// stringMap reads an object member whose values are strings.
func (f *form) stringMap(name string) map[string]string {
	m := f.object(name, false)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) != nil {
			f.problems = append(f.problems, name+"."+k+" must be a string")
			continue
		}
		out[k] = s
	}
	return out
}

// done reports unknown members and, when there are problems, answers 400
// with them and returns false.
func (f *form) done(c *call) bool {
	var extra []string
	for k := range f.raw {
		if !f.used[k] {
			extra = append(extra, "property "+k+" should not exist")
		}
	}
	sort.Strings(extra)
	f.problems = append(f.problems, extra...)
	if len(f.problems) > 0 {
		writeProblems(c.w, f.problems)
		return false
	}
	return true
}

// boolObject checks that every member of m is a boolean and that m names
// only allowed members; stringMembers may hold strings instead.
func (f *form) boolObject(prefix string, m map[string]json.RawMessage, allowed []string, stringMembers ...string) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		isString := false
		for _, sm := range stringMembers {
			if k == sm {
				isString = true
			}
		}
		known := isString
		for _, a := range allowed {
			if k == a {
				known = true
			}
		}
		if !known {
			f.problems = append(f.problems, prefix+"."+k+" should not exist")
			continue
		}
		if isString {
			var s string
			if json.Unmarshal(v, &s) != nil {
				f.problems = append(f.problems, prefix+"."+k+" must be a string")
			}
			continue
		}
		var b bool
		if json.Unmarshal(v, &b) != nil {
			f.problems = append(f.problems, prefix+"."+k+" must be a boolean value")
			continue
		}
		out[k] = b
	}
	return out
}
