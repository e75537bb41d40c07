package registrysim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Errors of bearer-token checks. Callers branch on them with errors.Is;
// WriteAuthError turns them into RFC 6750 answers.
var (
	// ErrNoToken: the request carries no bearer token.
	ErrNoToken = errors.New("no bearer token")
	// ErrInvalidToken: the token is malformed or its signature is wrong
	// (for example it was issued before the simulator restarted).
	ErrInvalidToken = errors.New("invalid bearer token")
	// ErrTokenExpired: the token was valid but its lifetime is over.
	ErrTokenExpired = errors.New("bearer token expired")
	// ErrInsufficientScope: the token lacks a scope the operation requires.
	ErrInsufficientScope = errors.New("insufficient scope")
)

// maxTokenForm bounds the form body of a token request.
const maxTokenForm = 16 << 10

// Client is an OAuth 2.0 client allowed to obtain tokens.
type Client struct {
	ID     string
	Secret string
	// Scopes are the scopes the client may be granted. A token request
	// without a scope parameter is granted all of them.
	Scopes []string
}

// TokenConfig configures a TokenIssuer.
type TokenConfig struct {
	Clients []Client
	// TTL is the lifetime of issued tokens; 0 means one hour.
	TTL time.Duration
	// Now returns the current time; nil means time.Now. Tests set it to
	// make tokens expire without waiting.
	Now func() time.Time
}

// Claims are what a token asserts.
type Claims struct {
	Subject   string   `json:"sub"`
	Scopes    []string `json:"scp"`
	IssuedAt  int64    `json:"iat"`
	ExpiresAt int64    `json:"exp"`
	ID        string   `json:"jti"`
}

// HasScopes reports whether every one of required was granted.
func (c Claims) HasScopes(required []string) bool {
	for _, s := range required {
		if !slices.Contains(c.Scopes, s) {
			return false
		}
	}
	return true
}

// TokenResponse is the successful answer of the token endpoint
// (RFC 6749 section 5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// TokenError is the error answer of the token endpoint (RFC 6749 section 5.2).
type TokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// TokenIssuer issues and checks bearer tokens for the client-credentials
// grant. Tokens are HMAC-SHA256 signed claims under a key generated when the
// issuer is made; they are opaque to clients.
type TokenIssuer struct {
	clients map[string]Client
	ttl     time.Duration
	now     func() time.Time
	key     []byte
}

// NewTokenIssuer returns an issuer for the given clients.
func NewTokenIssuer(cfg TokenConfig) (*TokenIssuer, error) {
	ti := &TokenIssuer{clients: make(map[string]Client), ttl: cfg.TTL, now: cfg.Now, key: make([]byte, 32)}
	if ti.ttl == 0 {
		ti.ttl = time.Hour
	}
	if ti.ttl < 0 {
		return nil, fmt.Errorf("token TTL %v must be positive", cfg.TTL)
	}
	if ti.now == nil {
		ti.now = time.Now
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || c.Secret == "" {
			return nil, errors.New("oauth client needs both an ID and a secret")
		}
		if _, dup := ti.clients[c.ID]; dup {
			return nil, fmt.Errorf("oauth client %q configured twice", c.ID)
		}
		ti.clients[c.ID] = c
	}
	if _, err := rand.Read(ti.key); err != nil {
		return nil, fmt.Errorf("generate token signing key: %w", err)
	}
	return ti, nil
}

// TTL returns the lifetime of issued tokens.
func (ti *TokenIssuer) TTL() time.Duration { return ti.ttl }

// Issue returns a signed token for the client with the given scopes.
func (ti *TokenIssuer) Issue(clientID string, scopes []string) (string, Claims, error) {
	var jti [12]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", Claims{}, fmt.Errorf("generate token id: %w", err)
	}
	now := ti.now()
	c := Claims{
		Subject:   clientID,
		Scopes:    scopes,
		IssuedAt:  now.Unix(),
		ExpiresAt: now.Add(ti.ttl).Unix(),
		ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", Claims{}, fmt.Errorf("encode token claims: %w", err)
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(ti.sign(p)), c, nil
}

func (ti *TokenIssuer) sign(payload string) []byte {
	m := hmac.New(sha256.New, ti.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Verify checks a token's signature and expiry and returns its claims.
func (ti *TokenIssuer) Verify(token string) (Claims, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return Claims{}, ErrInvalidToken
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, ti.sign(p)) {
		return Claims{}, ErrInvalidToken
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, ErrInvalidToken
	}
	if ti.now().Unix() >= c.ExpiresAt {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}

// Authorize checks the request's bearer token (RFC 6750 section 2.1) and
// that it grants every required scope.
func (ti *TokenIssuer) Authorize(r *http.Request, required []string) (Claims, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return Claims{}, ErrNoToken
	}
	c, err := ti.Verify(strings.TrimSpace(token))
	if err != nil {
		return Claims{}, err
	}
	if !c.HasScopes(required) {
		return c, fmt.Errorf("%w: operation needs %s", ErrInsufficientScope, strings.Join(required, " "))
	}
	return c, nil
}

// WriteAuthError answers a failed Authorize with 401 (no, invalid or expired
// token) or 403 (insufficient scope), with the WWW-Authenticate header of
// RFC 6750 section 3 and a {code, message} body.
func WriteAuthError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrInsufficientScope):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		WriteError(w, http.StatusForbidden, err.Error()+"; request a token with that scope")
	case errors.Is(err, ErrNoToken):
		w.Header().Set("WWW-Authenticate", `Bearer realm="registry"`)
		WriteError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token> from the token endpoint")
	default:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		WriteError(w, http.StatusUnauthorized, err.Error()+"; fetch a new token")
	}
}

// Require returns middleware that lets a request through only with a valid
// token granting scopes.
func (ti *TokenIssuer) Require(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := ti.Authorize(r, scopes); err != nil {
				WriteAuthError(w, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ServeHTTP is the token endpoint: a form POST with
// grant_type=client_credentials, client credentials in HTTP Basic or in the
// form (RFC 6749 section 2.3.1) and an optional space-separated scope.
func (ti *TokenIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "the token endpoint accepts POST only")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded: "+err.Error())
		return
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 {
			tokenError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" repeated")
			return
		}
	}
	basicID, basicSecret, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 section 2.3.1: form-encode before Basic.
		var err1, err2 error
		basicID, err1 = url.QueryUnescape(basicID)
		basicSecret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			tokenError(w, http.StatusBadRequest, "invalid_request", "client credentials in Authorization are not form-encoded")
			return
		}
	}
	formID, formSecret := form.Get("client_id"), form.Get("client_secret")
	if hasBasic && formSecret != "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "send client credentials either in Authorization or in the form, not both")
		return
	}
	id, secret := formID, formSecret
	if hasBasic {
		id, secret = basicID, basicSecret
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing; use client_credentials")
		return
	case grant != "client_credentials":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only the client_credentials grant is supported")
		return
	}
	c, known := ti.clients[id]
	if id == "" || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		if hasBasic {
			w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		}
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	scopes := c.Scopes
	if s := strings.Fields(form.Get("scope")); len(s) > 0 {
		for _, want := range s {
			if !slices.Contains(c.Scopes, want) {
				tokenError(w, http.StatusBadRequest, "invalid_scope", "scope "+want+" is not granted to this client")
				return
			}
		}
		slices.Sort(s)
		scopes = slices.Compact(s)
	}
	tok, claims, err := ti.Issue(c.ID, scopes)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	WriteJSON(w, http.StatusOK, TokenResponse{
		AccessToken: tok,
		TokenType:   "Bearer",
		ExpiresIn:   claims.ExpiresAt - claims.IssuedAt,
		Scope:       strings.Join(scopes, " "),
	})
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	WriteJSON(w, status, TokenError{Error: code, Description: desc})
}
