// Package session keeps the operators' authenticated browser sessions in
// memory: random 256-bit tokens (only their SHA-256 is kept), an idle timeout
// and a maximum lifetime. A daemon restart ends every session, which is the
// safe default for a kiosk.
package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// Session is an authenticated operator.
type Session struct {
	Operator  string
	Role      string
	Created   time.Time
	LastSeen  time.Time
	CSRFToken string
}

// Manager issues and checks sessions. It is safe for concurrent use.
type Manager struct {
	mu       sync.Mutex
	sessions map[[32]byte]*Session
	idle     time.Duration
	maxAge   time.Duration
	now      func() time.Time
}

// NewManager returns a manager whose sessions end after idle without use or
// maxAge after login.
func NewManager(idle, maxAge time.Duration) *Manager {
	return &Manager{sessions: map[[32]byte]*Session{}, idle: idle, maxAge: maxAge, now: time.Now}
}

// Create starts a session and returns its token.
func (m *Manager) Create(operator, role string) (token string, s Session) {
	token = randomToken()
	now := m.now()
	sess := &Session{Operator: operator, Role: role, Created: now, LastSeen: now, CSRFToken: randomToken()}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(now)
	m.sessions[sha256.Sum256([]byte(token))] = sess
	return token, *sess
}

// Lookup returns the live session for token and marks it used.
func (m *Manager) Lookup(token string) (Session, bool) {
	if token == "" {
		return Session{}, false
	}
	key := sha256.Sum256([]byte(token))
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	if !ok {
		return Session{}, false
	}
	if m.expired(s, now) {
		delete(m.sessions, key)
		return Session{}, false
	}
	s.LastSeen = now
	return *s, true
}

// Peek returns the live session for token without marking it used: a
// connection checking that its session still holds is not activity.
func (m *Manager) Peek(token string) (Session, bool) {
	if token == "" {
		return Session{}, false
	}
	key := sha256.Sum256([]byte(token))
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	if !ok || m.expired(s, now) {
		return Session{}, false
	}
	return *s, true
}

// Delete ends the session for token.
func (m *Manager) Delete(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, sha256.Sum256([]byte(token)))
}

// Len returns the number of live sessions.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(m.now())
	return len(m.sessions)
}

func (m *Manager) expired(s *Session, now time.Time) bool {
	return now.Sub(s.LastSeen) > m.idle || now.Sub(s.Created) > m.maxAge
}

func (m *Manager) expireLocked(now time.Time) {
	for k, s := range m.sessions {
		if m.expired(s, now) {
			delete(m.sessions, k)
		}
	}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("session: crypto/rand failed: " + err.Error()) // the platform is broken
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
