package lds

import (
	"bytes"
	"errors"
	"testing"
)

func TestDG7(t *testing.T) {
	sig := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	d, err := ParseDG7(BuildDG7(sig, sig))
	if err != nil || len(d.Images) != 2 || !bytes.Equal(d.Images[1], sig) {
		t.Fatalf("%+v, %v", d, err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"wrong tag", append([]byte{0x68}, BuildDG7(sig)[1:]...)},
		{"count mismatch", append(append([]byte{}, BuildDG7(sig)...)[:2:2], BuildDG7(sig, sig)[2:]...)},
		{"no count", []byte{0x67, 0x03, 0x5F, 0x43, 0x00}},
		{"zero count", []byte{0x67, 0x03, 0x02, 0x01, 0x00}},
		{"other element", []byte{0x67, 0x06, 0x02, 0x01, 0x01, 0x5F, 0x44, 0x00}},
		{"truncated", BuildDG7(sig)[:5]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseDG7(tt.b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func FuzzParseDG7(f *testing.F) {
	f.Add(BuildDG7([]byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDG7(b); err == nil && len(d.Images) == 0 {
			t.Fatal("a DG7 without images")
		}
	})
}
