package spid

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxMessage bounds a registry message quoted in an error or a receipt.
const maxMessage = 300

// ExternalResult is SPID's answer to enroll and verify, and the result of
// getEnrollResult and getSearchResult: the transaction GUID (TGUID), its
// status and a message.
type ExternalResult struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// ErrorItem is one entry of an ErrorResponse.
type ErrorItem struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ErrorResponse is SPID's error body: a type (VALIDATION_ERROR,
// PROCESSING_ERROR, INTERNAL_ERROR or SECURITY_ERROR) and its errors.
type ErrorResponse struct {
	Errors []ErrorItem `json:"errors"`
	Type   string      `json:"type"`
}

// TransactionData is the answer of GetPersonTransactionData and
// GetTransactionData: one transaction of a person.
type TransactionData struct {
	ID         string        `json:"id"`
	UserID     string        `json:"userId"`
	OperatorID string        `json:"operatorId"`
	Type       string        `json:"type"`
	Status     string        `json:"status"`
	Timestamp  int64         `json:"timestamp"`
	PsbioTcn   string        `json:"psbioTcn,omitempty"`
	Biometrics []ContentData `json:"biometrics,omitempty"`
}

// OperatorInfo is the answer of getOperator and the body of enrollOperator.
type OperatorInfo struct {
	Document   string        `json:"document"`
	Biometrics []ContentData `json:"biometrics,omitempty"`
	Status     string        `json:"status,omitempty"`
	TGUID      string        `json:"tguid,omitempty"`
}

// SystemStatus is the data of getStatus: the state of SPID's back ends.
type SystemStatus struct {
	PsbioStatus string `json:"psbioStatus,omitempty"`
	SpidxStatus string `json:"spidxStatus,omitempty"`
	GbdsStatus  string `json:"gbdsStatus,omitempty"`
	IdnStatus   string `json:"idnStatus,omitempty"`
}

// Person is the part of getPerson's answer the connector reads.
type Person struct {
	PersonGUID      string        `json:"person-guid"`
	TransactionGUID string        `json:"transaction-guid"`
	EnrollStatus    string        `json:"enroll-status"`
	Keys            []KeyValue    `json:"keys,omitempty"`
	Biographics     []KeyValue    `json:"biographics,omitempty"`
	Biometrics      []ContentData `json:"biometrics,omitempty"`
	Auxiliaries     []ContentData `json:"auxiliaries,omitempty"`
}

// errEmpty is returned for an answer without the field that identifies it.
var errEmpty = errors.New("answer lacks its identifier")

// ParseExternalResult reads an ExternalResult; id and status are required.
func ParseExternalResult(b []byte) (ExternalResult, error) {
	var r ExternalResult
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("transaction result is not JSON: %w", err)
	}
	if r.ID == "" || r.Status == "" {
		return r, fmt.Errorf("transaction result: %w (id and status are required)", errEmpty)
	}
	r.Message = Clean(r.Message)
	return r, nil
}

// ParseTransactionData reads a TransactionData; id is required.
func ParseTransactionData(b []byte) (TransactionData, error) {
	var t TransactionData
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("transaction data is not JSON: %w", err)
	}
	if t.ID == "" {
		return t, fmt.Errorf("transaction data: %w", errEmpty)
	}
	return t, nil
}

// ParseOperator reads an OperatorInfo; document is required.
func ParseOperator(b []byte) (OperatorInfo, error) {
	var o OperatorInfo
	if err := json.Unmarshal(b, &o); err != nil {
		return o, fmt.Errorf("operator is not JSON: %w", err)
	}
	if o.Document == "" {
		return o, fmt.Errorf("operator: %w", errEmpty)
	}
	return o, nil
}

// ParseStatus reads getStatus's {"data": SystemStatus}.
func ParseStatus(b []byte) (SystemStatus, error) {
	var s struct {
		Data *SystemStatus `json:"data"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return SystemStatus{}, fmt.Errorf("status is not JSON: %w", err)
	}
	if s.Data == nil {
		return SystemStatus{}, errors.New("status answer has no data")
	}
	return *s.Data, nil
}

// ParsePerson reads getPerson's answer; person-guid is required.
func ParsePerson(b []byte) (Person, error) {
	var p Person
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("person is not JSON: %w", err)
	}
	if p.PersonGUID == "" {
		return p, fmt.Errorf("person: %w", errEmpty)
	}
	return p, nil
}

// ErrorMessage turns an ErrorResponse body into one line an operator can
// act on: the error type and each message, cleaned and bounded. A body that
// is not an ErrorResponse gives "no error message".
func ErrorMessage(b []byte) string {
	var e ErrorResponse
	if json.Unmarshal(b, &e) != nil {
		return "no error message"
	}
	var msgs []string
	for _, it := range e.Errors {
		if m := Clean(it.Message); m != "" {
			msgs = append(msgs, m)
		}
	}
	typ := Clean(e.Type)
	if typ == "" && len(e.Errors) > 0 {
		typ = Clean(e.Errors[0].Type)
	}
	switch {
	case len(msgs) == 0 && typ == "":
		return "no error message"
	case len(msgs) == 0:
		return typ
	}
	out := strings.Join(msgs, "; ")
	if typ != "" {
		out = typ + ": " + out
	}
	return bound(out)
}

// Clean removes control characters and bounds a registry string so that it
// is safe in logs and receipts.
func Clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return bound(strings.TrimSpace(s))
}

func bound(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Outcome is the phase of an enroll transaction.
type Outcome int

// Outcomes of an enroll transaction status.
const (
	// Pending: the server is still working on it.
	Pending Outcome = iota
	// Enrolled: the person was enrolled.
	Enrolled
	// Rejected: ENROLL_REJECTED, the server found anomalies (a biometric
	// duplicate); it waits for an analyst.
	Rejected
	// Failed: the transaction ended in an error and enrolled nothing.
	Failed
)

// EnrollOutcome classifies an enroll transaction status. Unknown statuses
// are Pending: the connector keeps asking and, after its bounded wait,
// leaves the delivery for a later attempt rather than guessing.
func EnrollOutcome(status string) Outcome {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "OK", "ENROLLED", "DONE", "VERIFIED":
		return Enrolled
	case "ENROLL_REJECTED", "REJECTED":
		return Rejected
	case "ERROR", "FAILED", "FAILURE", "ENROLL_FAILED", "EXCEPTION", "DELETED":
		return Failed
	}
	return Pending
}

// VerifyOutcome classifies a verify transaction status: matched, not
// matched, or still pending (done false).
func VerifyOutcome(status string) (matched, done bool) {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "MATCH", "MATCHED", "HIT", "OK", "VERIFIED":
		return true, true
	case "NOT_MATCH", "NO_MATCH", "NOT_MATCHED", "NO_HIT", "NOT_VERIFIED", "ERROR", "FAILED":
		return false, true
	}
	return false, false
}
