package personapisim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Token types, as the JWT "type" claim names them.
const (
	tokenClient  = "client"
	tokenPerson  = "person"
	tokenRefresh = "refresh"
)

// Claims are the payload of the registry's JWTs.
type Claims struct {
	ClientID  string `json:"cid"`
	PersonID  string `json:"pid,omitempty"`
	ExpiresAt int64  `json:"exp"`
	NotBefore int64  `json:"nbf"`
	Type      string `json:"type"`
}

var (
	errNoToken  = errors.New("authorization header with a bearer token is required")
	errBadToken = errors.New("the bearer token is not a valid token of this registry")
	errExpired  = errors.New("the bearer token has expired; get a new one")
)

// jwtHeader is the fixed header of issued tokens.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// issue signs a token of the given type for ttl.
func (s *Simulator) issue(typ, cid, pid string, ttl time.Duration) (string, Claims) {
	now := s.now()
	c := Claims{ClientID: cid, PersonID: pid, Type: typ, NotBefore: now.Unix(), ExpiresAt: now.Add(ttl).Unix()}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(marshal(c))
	return signing + "." + base64.RawURLEncoding.EncodeToString(s.sign(signing)), c
}

func (s *Simulator) sign(signing string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// verify checks a token's signature and lifetime.
func (s *Simulator) verify(tok string) (Claims, error) {
	if len(tok) > 4096 {
		return Claims{}, errBadToken
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return Claims{}, errBadToken
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.sign(parts[0]+"."+parts[1])) {
		return Claims{}, errBadToken
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return Claims{}, errBadToken
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, errBadToken
	}
	now := s.now().Unix()
	if now < c.NotBefore {
		return Claims{}, errBadToken
	}
	if now >= c.ExpiresAt {
		return Claims{}, errExpired
	}
	return c, nil
}

// authorize checks the bearer token of r and that its type is one of
// types.
func (s *Simulator) authorize(r *http.Request, types ...string) (Claims, *apiErr) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return Claims{}, &apiErr{status: http.StatusUnauthorized, body: ErrorBody{Title: "unauthorized", Messages: []string{errNoToken.Error()}}}
	}
	c, err := s.verify(strings.TrimSpace(tok))
	if err != nil {
		return Claims{}, &apiErr{status: http.StatusUnauthorized, body: ErrorBody{Title: "unauthorized", Messages: []string{err.Error()}}}
	}
	for _, t := range types {
		if c.Type == t {
			return c, nil
		}
	}
	return c, &apiErr{status: http.StatusForbidden, body: ErrorBody{Title: "forbidden",
		Messages: []string{"this endpoint needs a " + strings.Join(types, " or ") + " token, not a " + c.Type + " token"}}}
}

// tokenAnswer is the token endpoint's answer; expires_in is a string, as
// the API document shows it.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// serveToken is POST /auth/token: a form with grant_type, client_id and
// client_secret (and refresh_token for the refresh_token grant).
func (s *Simulator) serveToken(w http.ResponseWriter, r *http.Request) *apiErr {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return fail(http.StatusMethodNotAllowed, "method not allowed", TokenPath+" accepts POST only")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return fail(http.StatusBadRequest, "invalid request", "the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "invalid request", "the form cannot be read")
	}
	f := r.PostForm
	for k, v := range f {
		if len(v) > 1 {
			return fail(http.StatusBadRequest, "invalid request", "parameter "+strconv.Quote(k)+" is repeated")
		}
	}
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if id == "" || secret == "" {
		return fail(http.StatusBadRequest, "invalid request", "client_id and client_secret are required in the form")
	}
	c, known := s.clients[id]
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return fail(http.StatusUnauthorized, "invalid client", "unknown client_id or wrong client_secret")
	}
	switch f.Get("grant_type") {
	case "client_credentials":
		tok, _ := s.issue(tokenClient, id, "", s.cfg.ClientTokenTTL)
		writeJSON(w, http.StatusOK, tokenAnswer{AccessToken: tok, TokenType: "bearer", ExpiresIn: seconds(s.cfg.ClientTokenTTL)})
		return nil
	case "refresh_token":
		rc, err := s.verify(f.Get("refresh_token"))
		if err != nil || rc.Type != tokenRefresh || rc.ClientID != id {
			return fail(http.StatusBadRequest, "invalid grant", "refresh_token is not a valid, unexpired refresh token of this client")
		}
		s.mu.Lock()
		_, exists := s.data.persons[rc.PersonID]
		s.mu.Unlock()
		if !exists {
			return fail(http.StatusNotFound, "person not found", "the person of this refresh token was deleted")
		}
		writeJSON(w, http.StatusOK, s.personTokens(id, rc.PersonID, false))
		return nil
	case "":
		return fail(http.StatusBadRequest, "invalid request", "grant_type is required")
	case "authorization_code":
		return fail(http.StatusBadRequest, "unsupported grant type", "the simulator has no person authorization pages; authorization_code is not supported")
	}
	return fail(http.StatusBadRequest, "unsupported grant type", "grant_type must be client_credentials or refresh_token")
}

// personTokens issues a pair of person tokens.
func (s *Simulator) personTokens(cid, pid string, withID bool) CreatedAnswer {
	access, _ := s.issue(tokenPerson, cid, pid, s.cfg.PersonTokenTTL)
	refresh, _ := s.issue(tokenRefresh, cid, pid, s.cfg.RefreshTokenTTL)
	a := CreatedAnswer{TokenType: "bearer", ExpiresIn: seconds(s.cfg.PersonTokenTTL), AccessToken: access, RefreshToken: refresh}
	if withID {
		a.PersonID = pid
	}
	return a
}

func seconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
