package health

import (
	"testing"
	"time"
)

func TestSetReportsChangesOnly(t *testing.T) {
	var seen []Check
	r := New(func(c Check) { seen = append(seen, c) })
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return clock }

	r.Set("registry", Warning, "unreachable: connection refused")
	clock = clock.Add(time.Minute)
	r.Set("registry", Warning, "unreachable: connection refused")
	r.Set("registry", Warning, "unreachable: timeout")
	r.Set("store", OK, "")

	if len(seen) != 3 {
		t.Fatalf("got %d change callbacks, want 3", len(seen))
	}
	c, _ := r.Get("registry")
	if !c.Since.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Since moved although the level did not change: %v", c.Since)
	}
	if r.Worst() != Warning {
		t.Errorf("Worst = %v", r.Worst())
	}
	snap := r.Snapshot()
	if len(snap) != 2 || snap[0].Component != "registry" || snap[1].Component != "store" {
		t.Errorf("snapshot order: %+v", snap)
	}
	r.Set("store", Critical, "disk full")
	if r.Worst() != Critical {
		t.Errorf("Worst = %v, want critical", r.Worst())
	}
}

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{OK: "ok", Warning: "warning", Critical: "critical", 9: "level(9)"} {
		if l.String() != want {
			t.Errorf("%d: %q", l, l.String())
		}
	}
}

func TestLevelTextRoundTrip(t *testing.T) {
	for _, l := range []Level{OK, Warning, Critical} {
		b, _ := l.MarshalText()
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Fatalf("%v: got %v, %v", l, back, err)
		}
	}
	var l Level
	if err := l.UnmarshalText([]byte("fine")); err == nil {
		t.Fatal("unknown level accepted")
	}
}
