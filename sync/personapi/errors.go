package personapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Bounds on what an error answer can put into a message.
const (
	maxDepth    = 8
	maxFindings = 12
	maxMessage  = 200
)

// apiError is the registry's error model: a title aggregating the errors
// of a list ("identifiers validation failed"), the index of the offending
// element of the request, its messages and nested errors. Other error
// shapes met on the way (an OAuth error, a {code, message} body from a
// proxy) are read into Title and Messages.
type apiError struct {
	Title         string
	IncomingIndex int // -1 when absent
	Messages      []string
	InnerErrors   []apiError
}

// wireError is the lenient decoding of an error answer: incoming_index may
// be a string (as in the API document's example) or a number, messages
// that are not strings are skipped.
type wireError struct {
	Title            json.RawMessage   `json:"title"`
	IncomingIndex    json.RawMessage   `json:"incoming_index"`
	Messages         []json.RawMessage `json:"messages"`
	InnerErrors      []json.RawMessage `json:"inner_errors"`
	Message          json.RawMessage   `json:"message"`
	Error            json.RawMessage   `json:"error"`
	ErrorDescription json.RawMessage   `json:"error_description"`
}

// parseErrorBody reads an error answer. It reports false when the body is not
// a JSON object or holds nothing the station can show.
func parseErrorBody(body []byte) (apiError, bool) {
	e, ok := parseError(body, 0)
	if !ok || (e.Title == "" && len(e.Messages) == 0 && len(e.InnerErrors) == 0) {
		return apiError{IncomingIndex: -1}, false
	}
	return e, true
}

func parseError(raw []byte, depth int) (apiError, bool) {
	out := apiError{IncomingIndex: -1}
	raw = bytes.TrimSpace(raw)
	if depth > maxDepth || len(raw) == 0 || raw[0] != '{' {
		return out, false
	}
	var w wireError
	if json.Unmarshal(raw, &w) != nil {
		return out, false
	}
	out.Title = str(w.Title)
	if out.Title == "" {
		out.Title = str(w.Error)
	}
	out.IncomingIndex = index(w.IncomingIndex)
	for _, m := range w.Messages {
		if s := str(m); s != "" {
			out.Messages = append(out.Messages, s)
		}
	}
	for _, extra := range []json.RawMessage{w.Message, w.ErrorDescription} {
		if s := str(extra); s != "" {
			out.Messages = append(out.Messages, s)
		}
	}
	for _, in := range w.InnerErrors {
		if e, ok := parseError(in, depth+1); ok {
			out.InnerErrors = append(out.InnerErrors, e)
		}
	}
	return out, true
}

// str returns a JSON string's value, cleaned, or "".
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return clean(s)
}

// index reads incoming_index as a string or a number; -1 when absent or
// not a plausible index.
func index(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return -1
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 1<<20 {
		return -1
	}
	return n
}

// clean keeps a registry-supplied string short and printable.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && (s[cut]&0xc0) == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// listKind returns the list an error title aggregates ("identifiers" for
// "identifiers validation failed"), or "".
func listKind(title string) string {
	k, ok := strings.CutSuffix(title, " validation failed")
	if !ok || strings.ContainsAny(k, " ") {
		return ""
	}
	return k
}

// describe turns an error into one line an operator can act on: each
// message prefixed with the station item it is about ("number of document
// 1 (PASSPORT)", "page 2 of document 1"), located through incoming_index.
// lay may be nil; elements are then named by list and index.
func (e apiError) describe(lay *layout) string {
	var findings []string
	total := 0
	e.walk(lay, "", -1, "", 0, &findings, &total)
	head := e.Title
	if head == "" {
		head = "registry error"
	}
	if len(findings) == 0 {
		return head
	}
	msg := head + ": " + strings.Join(findings, "; ")
	if total > len(findings) {
		msg += fmt.Sprintf("; and %d more", total-len(findings))
	}
	return msg
}

func (e apiError) walk(lay *layout, kind string, parent int, where string, depth int, out *[]string, total *int) {
	if depth > maxDepth {
		return
	}
	if e.IncomingIndex >= 0 {
		where = strings.TrimSpace(where + " " + lay.describe(kind, e.IncomingIndex, parent))
		if kind == kindIdentifiers {
			parent = e.IncomingIndex
		}
	}
	if k := listKind(e.Title); k != "" {
		kind = k
	}
	for _, m := range e.Messages {
		*total++
		if len(*out) >= maxFindings {
			continue
		}
		switch {
		case where != "":
			*out = append(*out, where+": "+m)
		case depth > 0 && e.Title != "":
			*out = append(*out, e.Title+": "+m)
		default:
			*out = append(*out, m)
		}
	}
	for _, in := range e.InnerErrors {
		in.walk(lay, kind, parent, where, depth+1, out, total)
	}
}

// Element lists of the Person model, as error titles name them.
const (
	kindIdentifiers    = "identifiers"
	kindCommunications = "communications"
	kindNames          = "names"
	kindFiles          = "files"
)

// describe names element i of a list; files are those of identifier
// parent.
func (l *layout) describe(kind string, i, parent int) string {
	generic := fmt.Sprintf("%s[%d]", kind, i)
	if kind == "" {
		generic = fmt.Sprintf("element %d", i)
	}
	if l == nil {
		return generic
	}
	var label string
	switch kind {
	case kindIdentifiers:
		if i < len(l.identifiers) {
			label = l.identifiers[i].label
		}
	case kindCommunications:
		if i < len(l.communications) {
			label = l.communications[i]
		}
	case kindNames:
		if i < len(l.names) {
			label = l.names[i]
		}
	case kindFiles:
		if parent >= 0 && parent < len(l.identifiers) && i < len(l.identifiers[parent].files) {
			label = l.identifiers[parent].files[i]
		}
	}
	if label == "" {
		return generic
	}
	return generic + " (" + label + ")"
}
