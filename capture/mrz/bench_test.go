package mrz

import (
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	lines := SplitLines(specimenTD3)
	for b.Loop() {
		if _, err := ParseLines(lines, Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseWithRepair(b *testing.B) {
	lines := SplitLines(strings.NewReplacer("L898902C3", "L8989O2C3", "7408122F", "74O8I22F").Replace(specimenTD3))
	for b.Loop() {
		m, _ := ParseLines(lines, Options{Now: now, Repair: true})
		if !m.Valid {
			b.Fatal("not repaired")
		}
	}
}
