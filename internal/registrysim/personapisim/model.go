package personapisim

import (
	"encoding/json"
	"regexp"
)

// Person is the Person model as the registry answers it: its elements with
// their registry IDs. The secret is never answered.
type Person struct {
	ID             string          `json:"id"`
	TS             string          `json:"ts"`
	Communications []Communication `json:"communications"`
	Identifiers    []Identifier    `json:"identifiers"`
	Names          []Name          `json:"names"`
}

// Communication is a way to communicate with a person.
type Communication struct {
	ID                string          `json:"id,omitempty"`
	Communication     string          `json:"communication"`
	CommunicationType string          `json:"communication_type"`
	Verified          int             `json:"verified"`
	Attributes        json.RawMessage `json:"attributes,omitempty"`
}

// Identifier is a way to identify a person, with its files.
type Identifier struct {
	ID             string          `json:"id,omitempty"`
	Identifier     string          `json:"identifier"`
	IdentifierType string          `json:"identifier_type"`
	DateFrom       string          `json:"date_from,omitempty"`
	DateTo         string          `json:"date_to,omitempty"`
	Verified       int             `json:"verified"`
	Attributes     json.RawMessage `json:"attributes,omitempty"`
	Files          []File          `json:"files,omitempty"`
}

// File is an identifier file. Data is the base64 text as received; Hash is
// the MD5 of the decoded data, set by the registry.
type File struct {
	ID       string `json:"id,omitempty"`
	Data     string `json:"data"`
	Hash     string `json:"hash,omitempty"`
	Comment  string `json:"comment,omitempty"`
	FileName string `json:"file_name"`
	DateFrom string `json:"date_from,omitempty"`
	DateTo   string `json:"date_to,omitempty"`
	Verified int    `json:"verified"`
}

// Name is a way to name a person.
type Name struct {
	ID         string          `json:"id,omitempty"`
	FirstName  string          `json:"first_name,omitempty"`
	LastName   string          `json:"last_name,omitempty"`
	MiddleName string          `json:"middle_name,omitempty"`
	NameType   string          `json:"name_type"`
	DateFrom   string          `json:"date_from,omitempty"`
	DateTo     string          `json:"date_to,omitempty"`
	Languages  []string        `json:"languages,omitempty"`
	Verified   int             `json:"verified"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// CreatedAnswer is the answer to a person creation: the person's ID and a
// pair of person tokens.
type CreatedAnswer struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	PersonID     string `json:"person_id,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// ErrorBody is the registry's error model: a title aggregating the errors
// of a list, the index of the offending element in the request, its
// messages and nested errors.
type ErrorBody struct {
	Title         string      `json:"title,omitempty"`
	IncomingIndex string      `json:"incoming_index,omitempty"`
	Messages      []string    `json:"messages,omitempty"`
	InnerErrors   []ErrorBody `json:"inner_errors,omitempty"`
}

// IdentifierType is an entry of the identifier-type dictionary. Regex is
// matched against identifiers (and communications) of the type; Hint is
// the message given when it does not match.
type IdentifierType struct {
	Type       string                   `json:"type"`
	Regex      string                   `json:"regex"`
	Outdated   int                      `json:"outdated"`
	Attributes IdentifierTypeAttributes `json:"attributes"`
	Hint       string                   `json:"-"`
}

// IdentifierTypeAttributes describe the attributes an identifier of the
// type carries.
type IdentifierTypeAttributes struct {
	IsRequired bool             `json:"is_required"`
	Fields     []AttributeField `json:"fields"`
}

// AttributeField describes one attribute field.
type AttributeField struct {
	IsRequired bool     `json:"is_required"`
	Field      string   `json:"field"`
	Fields     []string `json:"fields"`
	Regex      string   `json:"regex"`
	Type       string   `json:"type"`
}

// DefaultIdentifierTypes returns the dictionary the simulator serves unless
// configured otherwise: email and phone (as in the API document), the
// station's document types and its enrollment reference.
func DefaultIdentifierTypes() []IdentifierType {
	docNumber := `^[A-Z0-9<-]{1,32}$`
	docHint := "must hold 1 to 32 capital letters, digits, '<' or '-'"
	t := func(name, re, hint string) IdentifierType {
		return IdentifierType{Type: name, Regex: re, Hint: hint, Attributes: IdentifierTypeAttributes{Fields: []AttributeField{}}}
	}
	return []IdentifierType{
		t("email", `^[^@\s]+@[^@\s]+\.[^@\s]+$`, "must be an e-mail address"),
		t("phone", `^[0-9]+$`, "must contain only numbers"),
		t("passport", docNumber, docHint),
		t("id_card", docNumber, docHint),
		t("birth_certificate", docNumber, docHint),
		t("form", docNumber, docHint),
		t("other_document", docNumber, docHint),
		t("invoice", docNumber, docHint),
		t("station_enrollment", `^[A-Za-z0-9._-]{1,128}$`, "must be a station transaction ID"),
	}
}

// compiledType is a dictionary entry with its compiled pattern.
type compiledType struct {
	IdentifierType
	re *regexp.Regexp
}

// Element kinds of a person, as named in error titles and update paths.
const (
	kindIdentifiers    = "identifiers"
	kindNames          = "names"
	kindCommunications = "communications"
	kindFiles          = "files"
)
