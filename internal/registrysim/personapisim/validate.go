package personapisim

import (
	"bytes"
	"crypto/md5" //nolint:gosec // the API defines the file hash as MD5
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field limits of the simulator (the API document gives none).
const (
	maxValue    = 256
	maxComment  = 1024
	maxFileName = 255
	minSecret   = 8
	maxSecret   = 128
)

var (
	nameTypeRe = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)
	languageRe = regexp.MustCompile(`^[a-z]{3}$`)
)

// decodeStrict decodes one JSON value into v, refusing unknown members, and
// returns a message naming the problem (never the value) or "".
func decodeStrict(raw []byte, v any) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			return "unexpected data after the JSON value"
		}
		return ""
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("%s must be %s", te.Field, jsonKind(te.Type.Kind().String()))
	case errors.As(err, &te):
		return "must be a JSON " + jsonKind(te.Type.Kind().String())
	case errors.As(err, &se):
		return "is not valid JSON"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "is not valid JSON"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// checkDate validates an optional YYYY-MM-DD date.
func checkDate(field, v string, msgs *[]string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		*msgs = append(*msgs, field+" must be a date YYYY-MM-DD")
	}
	return t
}

func checkDates(from, to string, msgs *[]string) {
	f, t := checkDate("date_from", from, msgs), checkDate("date_to", to, msgs)
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		*msgs = append(*msgs, "date_to must not be before date_from")
	}
}

func checkVerified(v int, msgs *[]string) {
	if v < 0 || v > 2 {
		*msgs = append(*msgs, "verified must be 0 (in progress), 1 (approved) or 2 (canceled)")
	}
}

func checkAttributes(raw json.RawMessage, msgs *[]string) json.RawMessage {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	if t[0] != '{' {
		*msgs = append(*msgs, "attributes must be a JSON object")
		return nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, t); err != nil {
		*msgs = append(*msgs, "attributes must be a JSON object")
		return nil
	}
	return compact.Bytes()
}

func checkText(field, v string, required bool, limit int, msgs *[]string) {
	switch {
	case v == "" && required:
		*msgs = append(*msgs, field+" is required")
	case len(v) > limit:
		*msgs = append(*msgs, fmt.Sprintf("%s must be at most %d bytes", field, limit))
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		*msgs = append(*msgs, field+" must not contain control characters")
	}
}

// checkType checks an identifier or communication value against the
// dictionary.
func (s *Simulator) checkType(field, typeField, typ, value string, msgs *[]string) {
	if typ == "" {
		*msgs = append(*msgs, typeField+" is required")
		return
	}
	for _, t := range s.types {
		if t.Type != typ {
			continue
		}
		if t.Outdated != 0 {
			*msgs = append(*msgs, fmt.Sprintf("%s %q is outdated", typeField, typ))
			return
		}
		if value != "" && !t.re.MatchString(value) {
			*msgs = append(*msgs, field+" "+t.Hint)
		}
		return
	}
	*msgs = append(*msgs, fmt.Sprintf("%s %q is not in the identifier-type dictionary", typeField, clip(typ)))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// listError aggregates element errors under "<kind> validation failed".
func listError(kind string, inner []ErrorBody) *ErrorBody {
	if len(inner) == 0 {
		return nil
	}
	return &ErrorBody{Title: kind + " validation failed", InnerErrors: inner}
}

func elementError(i int, msgs []string, inner ...ErrorBody) (ErrorBody, bool) {
	if len(msgs) == 0 && len(inner) == 0 {
		return ErrorBody{}, false
	}
	return ErrorBody{IncomingIndex: strconv.Itoa(i), Messages: msgs, InnerErrors: inner}, true
}

// validateList decodes and checks each element of a list.
func validateList[T any](kind string, raws []json.RawMessage, one func(raw json.RawMessage) (T, []string, []ErrorBody)) ([]T, *ErrorBody) {
	if len(raws) > maxItems {
		return nil, &ErrorBody{Title: kind + " validation failed", Messages: []string{fmt.Sprintf("at most %d %s are accepted", maxItems, kind)}}
	}
	out := make([]T, 0, len(raws))
	var inner []ErrorBody
	for i, raw := range raws {
		v, msgs, nested := one(raw)
		if e, bad := elementError(i, msgs, nested...); bad {
			inner = append(inner, e)
			continue
		}
		out = append(out, v)
	}
	return out, listError(kind, inner)
}

type identifierIn struct {
	ID             string            `json:"id"`
	Identifier     string            `json:"identifier"`
	IdentifierType string            `json:"identifier_type"`
	DateFrom       string            `json:"date_from"`
	DateTo         string            `json:"date_to"`
	Verified       int               `json:"verified"`
	Attributes     json.RawMessage   `json:"attributes"`
	Files          []json.RawMessage `json:"files"`
}

type fileIn struct {
	ID       string `json:"id"`
	Data     string `json:"data"`
	Hash     string `json:"hash"`
	Comment  string `json:"comment"`
	FileName string `json:"file_name"`
	DateFrom string `json:"date_from"`
	DateTo   string `json:"date_to"`
	Verified int    `json:"verified"`
}

func (s *Simulator) identifier(raw json.RawMessage) (Identifier, []string, []ErrorBody) {
	var in identifierIn
	if msg := decodeStrict(raw, &in); msg != "" {
		return Identifier{}, []string{msg}, nil
	}
	var msgs []string
	checkText("identifier", in.Identifier, true, maxValue, &msgs)
	s.checkType("identifier", "identifier_type", in.IdentifierType, in.Identifier, &msgs)
	checkDates(in.DateFrom, in.DateTo, &msgs)
	checkVerified(in.Verified, &msgs)
	out := Identifier{ID: in.ID, Identifier: in.Identifier, IdentifierType: in.IdentifierType, DateFrom: in.DateFrom,
		DateTo: in.DateTo, Verified: in.Verified, Attributes: checkAttributes(in.Attributes, &msgs)}
	files, ferr := validateList(kindFiles, in.Files, file)
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.FileName] && ferr == nil {
			msgs = append(msgs, "file_name values must be unique within an identifier")
		}
		seen[f.FileName] = true
	}
	out.Files = files
	if ferr != nil {
		return out, msgs, []ErrorBody{*ferr}
	}
	return out, msgs, nil
}

func file(raw json.RawMessage) (File, []string, []ErrorBody) {
	var in fileIn
	if msg := decodeStrict(raw, &in); msg != "" {
		return File{}, []string{msg}, nil
	}
	var msgs []string
	data, err := base64.StdEncoding.Strict().DecodeString(in.Data)
	switch {
	case in.Data == "":
		msgs = append(msgs, "data is required")
	case err != nil:
		msgs = append(msgs, "data must be standard base64")
	}
	checkText("file_name", in.FileName, true, maxFileName, &msgs)
	if strings.ContainsAny(in.FileName, `/\`) {
		msgs = append(msgs, "file_name must not contain a path")
	}
	checkText("comment", in.Comment, false, maxComment, &msgs)
	checkDates(in.DateFrom, in.DateTo, &msgs)
	checkVerified(in.Verified, &msgs)
	sum := md5.Sum(data) //nolint:gosec // the API defines the file hash as MD5
	return File{ID: in.ID, Data: in.Data, Hash: hex.EncodeToString(sum[:]), Comment: in.Comment, FileName: in.FileName,
		DateFrom: in.DateFrom, DateTo: in.DateTo, Verified: in.Verified}, msgs, nil
}

type nameIn struct {
	ID         string          `json:"id"`
	FirstName  string          `json:"first_name"`
	LastName   string          `json:"last_name"`
	MiddleName string          `json:"middle_name"`
	NameType   string          `json:"name_type"`
	DateFrom   string          `json:"date_from"`
	DateTo     string          `json:"date_to"`
	Languages  []string        `json:"languages"`
	Verified   int             `json:"verified"`
	Attributes json.RawMessage `json:"attributes"`
}

func name(raw json.RawMessage) (Name, []string, []ErrorBody) {
	var in nameIn
	if msg := decodeStrict(raw, &in); msg != "" {
		return Name{}, []string{msg}, nil
	}
	var msgs []string
	if in.FirstName == "" && in.LastName == "" {
		msgs = append(msgs, "first_name or last_name is required")
	}
	checkText("first_name", in.FirstName, false, maxValue, &msgs)
	checkText("last_name", in.LastName, false, maxValue, &msgs)
	checkText("middle_name", in.MiddleName, false, maxValue, &msgs)
	switch {
	case in.NameType == "":
		msgs = append(msgs, "name_type is required (name, synonym, alias, …)")
	case !nameTypeRe.MatchString(in.NameType):
		msgs = append(msgs, "name_type must be a lowercase word such as name, synonym or alias")
	}
	for _, l := range in.Languages {
		if !languageRe.MatchString(l) {
			msgs = append(msgs, "languages must be three-letter lowercase codes such as eng")
			break
		}
	}
	checkDates(in.DateFrom, in.DateTo, &msgs)
	checkVerified(in.Verified, &msgs)
	return Name{ID: in.ID, FirstName: in.FirstName, LastName: in.LastName, MiddleName: in.MiddleName, NameType: in.NameType,
		DateFrom: in.DateFrom, DateTo: in.DateTo, Languages: in.Languages, Verified: in.Verified,
		Attributes: checkAttributes(in.Attributes, &msgs)}, msgs, nil
}

type communicationIn struct {
	ID                string          `json:"id"`
	Communication     string          `json:"communication"`
	CommunicationType string          `json:"communication_type"`
	Verified          int             `json:"verified"`
	Attributes        json.RawMessage `json:"attributes"`
}

func (s *Simulator) communication(raw json.RawMessage) (Communication, []string, []ErrorBody) {
	var in communicationIn
	if msg := decodeStrict(raw, &in); msg != "" {
		return Communication{}, []string{msg}, nil
	}
	var msgs []string
	checkText("communication", in.Communication, true, maxValue, &msgs)
	s.checkType("communication", "communication_type", in.CommunicationType, in.Communication, &msgs)
	checkVerified(in.Verified, &msgs)
	return Communication{ID: in.ID, Communication: in.Communication, CommunicationType: in.CommunicationType,
		Verified: in.Verified, Attributes: checkAttributes(in.Attributes, &msgs)}, msgs, nil
}

// personIn is a person as a client sends it. id and ts are set by the
// registry and ignored when sent.
type personIn struct {
	ID             json.RawMessage   `json:"id"`
	TS             json.RawMessage   `json:"ts"`
	Secret         *string           `json:"secret"`
	Communications []json.RawMessage `json:"communications"`
	Identifiers    []json.RawMessage `json:"identifiers"`
	Names          []json.RawMessage `json:"names"`
}

// validatePerson checks a new person and returns it (without IDs), or the
// nested error of the API.
func (s *Simulator) validatePerson(body []byte) (*personRec, *ErrorBody) {
	const title = "person validation failed"
	var in personIn
	if msg := decodeStrict(body, &in); msg != "" {
		return nil, &ErrorBody{Title: title, Messages: []string{"request body " + msg}}
	}
	top := &ErrorBody{Title: title}
	p := &personRec{}
	if in.Secret != nil {
		var msgs []string
		checkText("secret", *in.Secret, true, maxSecret, &msgs)
		if len(*in.Secret) < minSecret {
			msgs = append(msgs, fmt.Sprintf("secret must contain at least %d characters", minSecret))
		}
		top.Messages = append(top.Messages, msgs...)
		p.HasSecret, p.SecretHash = true, hashBody([]byte(*in.Secret))
	}
	var e *ErrorBody
	if p.Communications, e = validateList(kindCommunications, in.Communications, s.communication); e != nil {
		top.InnerErrors = append(top.InnerErrors, *e)
	}
	if p.Identifiers, e = validateList(kindIdentifiers, in.Identifiers, s.identifier); e != nil {
		top.InnerErrors = append(top.InnerErrors, *e)
	}
	if e = duplicateIdentifiers(p.Identifiers, e); e != nil {
		top.InnerErrors = append(top.InnerErrors, *e)
	}
	if p.Names, e = validateList(kindNames, in.Names, name); e != nil {
		top.InnerErrors = append(top.InnerErrors, *e)
	}
	if len(top.Messages) > 0 || len(top.InnerErrors) > 0 {
		return nil, top
	}
	return p, nil
}

// duplicateIdentifiers reports an identifier given twice in one request
// (only when the list is otherwise valid, so indexes stay meaningful).
func duplicateIdentifiers(ids []Identifier, prior *ErrorBody) *ErrorBody {
	if prior != nil {
		return nil
	}
	seen := map[identKey]int{}
	var inner []ErrorBody
	for i, id := range ids {
		k := identKey{id.IdentifierType, id.Identifier}
		if j, dup := seen[k]; dup {
			inner = append(inner, ErrorBody{IncomingIndex: strconv.Itoa(i),
				Messages: []string{fmt.Sprintf("identifier repeats the one at index %d", j)}})
			continue
		}
		seen[k] = i
	}
	return listError(kindIdentifiers, inner)
}
