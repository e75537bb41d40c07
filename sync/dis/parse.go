package dis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on what answers may add to a receipt.
const (
	maxDetails     = 64
	maxDetailKey   = 120
	maxDetailValue = 200
	maxDepth       = 6
)

// clean makes s safe for logs and receipts: control characters become
// spaces, invalid UTF-8 is replaced, and the result is cut to n bytes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// parseError reads an ErrorResponse {errorCode, errorMessage}; bodies of
// other shapes (a proxy's, the OSIA-style {code, message}) give their
// message or nothing.
func parseError(body []byte) (code, msg string) {
	var e struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		Message      string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	msg = e.ErrorMessage
	if msg == "" {
		msg = e.Message
	}
	return clean(e.ErrorCode, 40), clean(msg, 300)
}

// parseSession reads CreateSessionResponse {token}.
func parseSession(body []byte) (string, error) {
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return "", fmt.Errorf("the session answer is not JSON: %w", err)
	}
	if s.Token == "" {
		return "", errors.New("the session answer holds no token")
	}
	if strings.ContainsAny(s.Token, "\r\n\x00") || len(s.Token) > 4096 {
		return "", errors.New("the session answer holds an unusable token")
	}
	return s.Token, nil
}

// stepAnswer is the part of the selfie, liveness selfie, document page,
// chip data and liveness evaluation answers the connector uses: the
// processing error code (sent with 200), warnings, the detection
// confidence, the classified page and document type and the liveness score.
type stepAnswer struct {
	ErrorCode string   `json:"errorCode"`
	Warnings  []string `json:"warnings"`
	Detection *struct {
		Confidence *float64 `json:"confidence"`
	} `json:"detection"`
	PageType     string `json:"pageType"`
	DocumentType *struct {
		Country                       string `json:"country"`
		Edition                       string `json:"edition"`
		Type                          string `json:"type"`
		MachineReadableTravelDocument string `json:"machineReadableTravelDocument"`
		SupportLevel                  string `json:"supportLevel"`
	} `json:"documentType"`
	Score *float64 `json:"score"`
	Links *struct {
		Self string `json:"self"`
	} `json:"links"`
}

// parseStep reads a step answer. An empty body is an empty answer.
func parseStep(body []byte) (stepAnswer, error) {
	var s stepAnswer
	if len(bytes.TrimSpace(body)) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return stepAnswer{}, fmt.Errorf("the answer is not the expected JSON object: %w", err)
	}
	s.ErrorCode = clean(s.ErrorCode, 60)
	for i, w := range s.Warnings {
		s.Warnings[i] = clean(w, 60)
	}
	return s, nil
}

// warnings joins warnings for a receipt.
func (s stepAnswer) warnings() string {
	return clean(strings.Join(s.Warnings, ","), maxDetailValue)
}

// withheld are answer members never copied into receipts: estimates about
// the person (age, gender), links, and media.
var withheld = map[string]bool{
	"genderEstimate": true, "ageEstimate": true, "ageDifferenceWith": true,
	"links": true, "additionalData": true, "video": true, "data": true,
}

// flattenInspection turns an inspection answer (CustomerInspectResponse,
// DocumentInspectResponse) into receipt details: one key per scalar member,
// named by its path under prefix ("inspection.document.mrzInspection.valid"),
// arrays of strings joined by commas. Estimates about the person and links
// are left out, and the number and size of entries are bounded.
func flattenInspection(prefix string, body []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the inspection answer is not JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the inspection answer is not a JSON object")
	}
	out := map[string]string{}
	flatten(out, prefix, obj, 0)
	return out, nil
}

func flatten(out map[string]string, prefix string, obj map[string]any, depth int) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(out) >= maxDetails {
			return
		}
		if withheld[k] || k == "" {
			continue
		}
		key := prefix + "." + clean(k, 60)
		if len(key) > maxDetailKey {
			continue
		}
		switch x := obj[k].(type) {
		case map[string]any:
			if depth < maxDepth {
				flatten(out, key, x, depth+1)
			}
		case []any:
			var parts []string
			for _, it := range x {
				if s, ok := it.(string); ok {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				out[key] = clean(strings.Join(parts, ","), maxDetailValue)
			}
		case string:
			out[key] = clean(x, maxDetailValue)
		case bool:
			out[key] = strconv.FormatBool(x)
		case json.Number:
			out[key] = clean(x.String(), 40)
		}
	}
}

// multiValue is the API's MultiValueAttribute: one value per source.
type multiValue struct {
	Chip       string `json:"chip"`
	MRZ        string `json:"mrz"`
	VisualZone string `json:"visualZone"`
	Barcode    string `json:"barcode"`
}

// best returns the most trustworthy value: chip, then MRZ, visual zone, barcode.
func (m *multiValue) best() string {
	if m == nil {
		return ""
	}
	for _, v := range []string{m.Chip, m.MRZ, m.VisualZone, m.Barcode} {
		if v != "" {
			return v
		}
	}
	return ""
}

// customerData is the part of GetCustomerResponse the connector compares
// with the enrollment.
type customerData struct {
	Customer *struct {
		Surname     *multiValue `json:"surname"`
		GivenNames  *multiValue `json:"givenNames"`
		DateOfBirth *multiValue `json:"dateOfBirth"`
		Nationality *multiValue `json:"nationality"`
		Document    *struct {
			DocumentNumber *multiValue `json:"documentNumber"`
			DateOfExpiry   *multiValue `json:"dateOfExpiry"`
			PageTypes      []string    `json:"pageTypes"`
		} `json:"document"`
	} `json:"customer"`
}

// fieldPair is one attribute compared between the enrollment and the
// service's reading of the document.
type fieldPair struct {
	name          string
	station, read string
	kind          int // compareName, compareCode, compareDate
}

const (
	compareName = iota
	compareCode
	compareDate
)

// parseCustomer reads GetCustomerResponse.
func parseCustomer(body []byte) (customerData, error) {
	var c customerData
	if err := json.Unmarshal(body, &c); err != nil {
		return customerData{}, fmt.Errorf("the customer answer is not the expected JSON object: %w", err)
	}
	return c, nil
}

// compareCustomer compares what the service read from the document (chip,
// MRZ, OCR) with what the station recorded. It returns the names of the
// fields compared and of those that differ; values never leave it.
func compareCustomer(c customerData, surname, given, dob, nationality, number, expiry string) (checked, differ []string) {
	if c.Customer == nil {
		return nil, nil
	}
	cu := c.Customer
	pairs := []fieldPair{
		{"surname", surname, cu.Surname.best(), compareName},
		{"givenNames", given, cu.GivenNames.best(), compareName},
		{"dateOfBirth", dob, cu.DateOfBirth.best(), compareDate},
		{"nationality", nationality, cu.Nationality.best(), compareCode},
	}
	if d := cu.Document; d != nil {
		pairs = append(pairs,
			fieldPair{"documentNumber", number, d.DocumentNumber.best(), compareCode},
			fieldPair{"dateOfExpiry", expiry, d.DateOfExpiry.best(), compareDate})
	}
	for _, p := range pairs {
		a, ok := normalize(p.station, p.kind)
		b2, ok2 := normalize(p.read, p.kind)
		if !ok || !ok2 || a == "" || b2 == "" {
			continue
		}
		checked = append(checked, p.name)
		if a != b2 {
			differ = append(differ, p.name)
		}
	}
	return checked, differ
}

// normalize prepares a value for comparison; ok is false when it cannot be
// compared reliably (non-ASCII letters, whose transliteration in an MRZ
// varies).
func normalize(s string, kind int) (string, bool) {
	s = strings.TrimSpace(s)
	switch kind {
	case compareDate:
		if len(s) >= 10 {
			s = s[:10]
		}
		return s, true
	case compareCode:
		return strings.ToUpper(strings.Trim(s, "< ")), true
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == ' ', r == '<', r == '-', r == '\'', r == ',', r == '.':
			space = true
		default:
			return "", false
		}
	}
	return b.String(), true
}
