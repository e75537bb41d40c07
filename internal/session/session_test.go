package session

import (
	"testing"
	"time"
)

func TestSessionLifetime(t *testing.T) {
	m := NewManager(10*time.Minute, time.Hour)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	tok, s := m.Create("amina", "operator")
	if s.Operator != "amina" || tok == "" || s.CSRFToken == "" {
		t.Fatalf("bad session %+v", s)
	}
	steps := []struct {
		advance time.Duration
		alive   bool
	}{
		{9 * time.Minute, true},  // used within idle
		{9 * time.Minute, true},  // idle counted from last use
		{9 * time.Minute, true},  //
		{9 * time.Minute, true},  // 36 min
		{9 * time.Minute, true},  // 45
		{9 * time.Minute, true},  // 54
		{9 * time.Minute, false}, // 63 min: past max age
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if _, ok := m.Lookup(tok); ok != st.alive {
			t.Fatalf("step %d: alive=%v want %v", i, ok, st.alive)
		}
	}
	tok2, _ := m.Create("bruno", "supervisor")
	now = now.Add(11 * time.Minute)
	if _, ok := m.Lookup(tok2); ok {
		t.Fatal("idle session still alive")
	}
	tok3, _ := m.Create("chen", "technician")
	m.Delete(tok3)
	if _, ok := m.Lookup(tok3); ok || m.Len() != 0 {
		t.Fatal("deleted session still alive")
	}
	if _, ok := m.Lookup("forged"); ok {
		t.Fatal("unknown token accepted")
	}
}

// Peek sees a live session without keeping it alive.
func TestPeekIsNotActivity(t *testing.T) {
	m := NewManager(10*time.Minute, time.Hour)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	tok, _ := m.Create("amina", "operator")
	for range 3 {
		now = now.Add(3 * time.Minute)
		if _, ok := m.Peek(tok); !ok {
			t.Fatal("peek lost a live session")
		}
	}
	now = now.Add(2 * time.Minute) // 11 minutes without activity
	if _, ok := m.Peek(tok); ok {
		t.Fatal("peeks kept an idle session alive")
	}
	if _, ok := m.Peek(""); ok {
		t.Fatal("empty token accepted")
	}
}
