package idv

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Session statuses (status_e) the connector acts on.
const (
	statusComplete            = "complete"
	statusTemporarilyComplete = "temporarily_complete"
	statusExpired             = "expired"
	statusBlocked             = "temporarily_blocked"
)

// maxSessionID bounds a session ID the connector accepts from the registry.
const maxSessionID = 256

// SessionInfo is what the connector reads of a session (session read and
// list answers). It holds identifiers and outcomes, no personal data.
type SessionInfo struct {
	ID               string
	Status           string
	DocumentType     string
	Consented        bool
	FrontGiven       bool
	BackGiven        bool
	LivenessDetected bool
	SelfieGiven      bool
	Verified         bool
	Score            float64
	IdentityID       string
	OFACStatus       string
	// Metadata holds the string members of the session's metadata.
	Metadata map[string]string
}

// Verdict is the answer of the finalization.
type Verdict struct {
	Verified       bool
	OnSanctionList bool
}

type sessionJSON struct {
	SessionID        string          `json:"session_id"`
	Status           string          `json:"status_e"`
	DocumentType     string          `json:"document_type_e"`
	Consented        *bool           `json:"consented"`
	FrontGiven       *bool           `json:"document_front_given"`
	BackGiven        *bool           `json:"document_back_given"`
	LivenessDetected *bool           `json:"liveness_detected"`
	SelfieGiven      *bool           `json:"selfie_given"`
	Verified         *bool           `json:"verified"`
	Score            *float64        `json:"score"`
	IdentityID       *string         `json:"identity_id"`
	OFACStatus       *string         `json:"ofac_status_e"`
	Metadata         json.RawMessage `json:"metadata"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (s sessionJSON) info() (SessionInfo, error) {
	if err := checkSessionID(s.SessionID); err != nil {
		return SessionInfo{}, err
	}
	info := SessionInfo{
		ID: s.SessionID, Status: clean(s.Status, 64), DocumentType: clean(s.DocumentType, 64),
		Consented: deref(s.Consented), FrontGiven: deref(s.FrontGiven), BackGiven: deref(s.BackGiven),
		LivenessDetected: deref(s.LivenessDetected), SelfieGiven: deref(s.SelfieGiven),
		Verified: deref(s.Verified), Score: deref(s.Score), IdentityID: clean(deref(s.IdentityID), 256),
		OFACStatus: clean(deref(s.OFACStatus), 64), Metadata: map[string]string{},
	}
	if len(s.Metadata) > 0 && string(s.Metadata) != "null" {
		var m map[string]any
		if err := json.Unmarshal(s.Metadata, &m); err != nil {
			return SessionInfo{}, fmt.Errorf("session metadata is not an object: %w", err)
		}
		for k, v := range m {
			if str, ok := v.(string); ok {
				info.Metadata[k] = str
			}
		}
	}
	return info, nil
}

// checkSessionID accepts a registry session ID that is safe to send back
// and to show: printable, without spaces, at most maxSessionID bytes.
func checkSessionID(id string) error {
	if id == "" {
		return errors.New("the answer holds no session_id")
	}
	if len(id) > maxSessionID {
		return fmt.Errorf("session_id longer than %d bytes", maxSessionID)
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '\uFFFD' {
			return errors.New("session_id holds a control or space character")
		}
	}
	return nil
}

// ParseCreated reads the session create answer and returns the session ID.
func ParseCreated(body []byte) (string, error) {
	var a struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return "", fmt.Errorf("session create answer: %w", err)
	}
	if err := checkSessionID(a.SessionID); err != nil {
		return "", fmt.Errorf("session create answer: %w", err)
	}
	return a.SessionID, nil
}

// ParseSession reads a session read answer.
func ParseSession(body []byte) (SessionInfo, error) {
	var s sessionJSON
	if err := json.Unmarshal(body, &s); err != nil {
		return SessionInfo{}, fmt.Errorf("session read answer: %w", err)
	}
	info, err := s.info()
	if err != nil {
		return SessionInfo{}, fmt.Errorf("session read answer: %w", err)
	}
	return info, nil
}

// ParseSessionList reads a session list answer.
func ParseSessionList(body []byte) ([]SessionInfo, error) {
	var a struct {
		Sessions []sessionJSON `json:"sessions"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("session list answer: %w", err)
	}
	out := make([]SessionInfo, 0, len(a.Sessions))
	for i, s := range a.Sessions {
		info, err := s.info()
		if err != nil {
			return nil, fmt.Errorf("session list answer, entry %d: %w", i, err)
		}
		out = append(out, info)
	}
	return out, nil
}

// ParseVerdict reads the finalization answer.
func ParseVerdict(body []byte) (Verdict, error) {
	var a struct {
		Verified       *bool `json:"verified"`
		OnSanctionList *bool `json:"on_sanction_list"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return Verdict{}, fmt.Errorf("finalization answer: %w", err)
	}
	if a.Verified == nil {
		return Verdict{}, errors.New("finalization answer holds no verified member")
	}
	return Verdict{Verified: *a.Verified, OnSanctionList: deref(a.OnSanctionList)}, nil
}

// ParseToken reads a liveness session answer's token.
func ParseToken(body []byte) (string, error) {
	var a struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return "", fmt.Errorf("liveness answer: %w", err)
	}
	if a.Token == "" {
		return "", errors.New("liveness answer holds no token")
	}
	return a.Token, nil
}

// ErrorMessage extracts what an error answer says, cleaned for logs and
// operator messages: the message member (a string, or a list of problems
// joined with "; "), else the error member, else a placeholder.
func ErrorMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		msg = textOf(e.Message)
		if msg == "" {
			msg = textOf(e.Error)
		}
	}
	if msg == "" {
		return "no error message"
	}
	return clean(msg, 500)
}

// textOf renders a JSON string or list of strings.
func textOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, v := range list {
			if str, ok := v.(string); ok && str != "" {
				parts = append(parts, str)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// clean replaces control characters and bounds the length of s.
func clean(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xc0 != 0x80 }
