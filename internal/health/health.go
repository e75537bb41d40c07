// Package health keeps the station's health as data: one check per
// component (store, registry, sync queue, devices) with a level and a message
// an operator can act on. A failed device or an unreachable registry is a
// warning shown in the UI and in /readyz, not a crash. Changes are reported
// to a callback so they can be put on the event bus.
package health

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Level is how bad a check is.
type Level int

// Levels, from good to bad.
const (
	OK Level = iota
	Warning
	Critical
)

// String returns "ok", "warning" or "critical".
func (l Level) String() string {
	switch l {
	case OK:
		return "ok"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the level by name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a level name written by MarshalText.
func (l *Level) UnmarshalText(b []byte) error {
	for _, v := range []Level{OK, Warning, Critical} {
		if string(b) == v.String() {
			*l = v
			return nil
		}
	}
	return fmt.Errorf("health: unknown level %q", b)
}

// Check is the current state of one component.
type Check struct {
	Component string    `json:"component"`
	Level     Level     `json:"level"`
	Message   string    `json:"message,omitempty"`
	Since     time.Time `json:"since"`
}

// Registry holds the checks. It is safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	checks   map[string]Check
	now      func() time.Time
	onChange func(Check)
}

// New returns an empty registry; onChange, if not nil, is called (outside
// the lock) whenever a component's level or message changes.
func New(onChange func(Check)) *Registry {
	return &Registry{checks: map[string]Check{}, now: time.Now, onChange: onChange}
}

// Set records the state of a component.
func (r *Registry) Set(component string, level Level, message string) {
	r.mu.Lock()
	old, had := r.checks[component]
	if had && old.Level == level && old.Message == message {
		r.mu.Unlock()
		return
	}
	c := Check{Component: component, Level: level, Message: message, Since: r.now()}
	if had && old.Level == level {
		c.Since = old.Since
	}
	r.checks[component] = c
	cb := r.onChange
	r.mu.Unlock()
	if cb != nil {
		cb(c)
	}
}

// Snapshot returns every check, sorted by component.
func (r *Registry) Snapshot() []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Check, 0, len(r.checks))
	for _, c := range r.checks {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Check) int {
		switch {
		case a.Component < b.Component:
			return -1
		case a.Component > b.Component:
			return 1
		}
		return 0
	})
	return out
}

// Worst returns the worst level among the checks (OK when there are none).
func (r *Registry) Worst() Level {
	worst := OK
	for _, c := range r.Snapshot() {
		worst = max(worst, c.Level)
	}
	return worst
}

// Get returns the check of one component.
func (r *Registry) Get(component string) (Check, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.checks[component]
	return c, ok
}
