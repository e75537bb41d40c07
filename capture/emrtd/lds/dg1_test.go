package lds

import (
	"errors"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/mrz"
)

// ICAO 9303 specimen MRZs (parts 4, 5 and 6).
const (
	specimenTD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" + "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	specimenTD1 = "I<UTOD231458907<<<<<<<<<<<<<<<" + "7408122F1204159UTO<<<<<<<<<<<6" + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	specimenTD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<" + "D231458907UTO7408122F1204159<<<<<<<6"
)

func TestParseDG1(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		raw    string
		format mrz.Format
		lines  int
		docNum string
	}{
		// 61 5B 5F1F 58 and the 88 characters, as ICAO 9303-10 lays out
		// EF.DG1 of a TD3.
		{"TD3 literal", cat(unhex(t, "615B 5F1F58"), []byte(specimenTD3)), specimenTD3, mrz.TD3, 2, "L898902C3"},
		{"TD3 built", BuildDG1(specimenTD3[:44] + "\n" + specimenTD3[44:]), specimenTD3, mrz.TD3, 2, "L898902C3"},
		{"TD1 built", BuildDG1(specimenTD1), specimenTD1, mrz.TD1, 3, "D23145890"},
		{"TD1 literal", cat(unhex(t, "615D 5F1F5A"), []byte(specimenTD1)), specimenTD1, mrz.TD1, 3, "D23145890"},
		{"TD2 built", BuildDG1(specimenTD2), specimenTD2, mrz.TD2, 2, "D23145890"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG1(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			m := d.MRZ
			if d.Raw != tt.raw || m.Format != tt.format || len(m.Lines) != tt.lines || !m.Valid {
				t.Fatalf("raw ok %v, format %v, %d lines, valid %v", d.Raw == tt.raw, m.Format, len(m.Lines), m.Valid)
			}
			if m.Surname != "ERIKSSON" || m.GivenNames != "ANNA MARIA" || m.DocumentNumber != tt.docNum ||
				m.IssuingState != "UTO" || m.DateOfBirth != (mrz.Date{Year: 1974, Month: 8, Day: 12}) ||
				m.DateOfExpiry != (mrz.Date{Year: 2012, Month: 4, Day: 15}) || m.Sex != "F" {
				t.Fatalf("unexpected MRZ fields")
			}
			if strings.Join(m.Lines, "") != tt.raw {
				t.Fatalf("lines do not rebuild the raw MRZ")
			}
		})
	}
}

func TestParseDG1CheckDigit(t *testing.T) {
	// The composite check digit of the TD3 specimen changed from 0 to 1.
	bad := specimenTD3[:86] + "11"
	d, err := ParseDG1(BuildDG1(bad))
	if d == nil || d.MRZ == nil || d.Raw != bad {
		t.Fatalf("the parsed MRZ is not returned with the error")
	}
	if d.MRZ.Valid || d.MRZ.Surname != "ERIKSSON" {
		t.Fatalf("valid %v", d.MRZ.Valid)
	}
	checkErr(t, err, ErrMalformed, "EF.DG1", "61/5F1F")
	if !errors.Is(err, mrz.ErrInvalid) {
		t.Fatalf("error %v does not wrap mrz.ErrInvalid", err)
	}
	var me *mrz.Error
	if !errors.As(err, &me) || len(me.Problems) == 0 {
		t.Fatalf("the mrz.Error is not reachable")
	}
	// The message names the field, not personal data.
	msg := err.Error()
	if !strings.Contains(msg, mrz.FieldComposite) {
		t.Errorf("message %q does not name the composite check digit", msg)
	}
	for _, personal := range []string{"ERIKSSON", "ANNA", "L898902C3", "740812", "ZE184226B"} {
		if strings.Contains(msg, personal) {
			t.Errorf("message %q contains personal data", msg)
		}
	}
}

func TestParseDG1Malformed(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		elem string
		also error
	}{
		{"wrong outer tag", cat(unhex(t, "625B 5F1F58"), []byte(specimenTD3)), "", nil},
		{"truncated", cat(unhex(t, "615B 5F1F58"), []byte(specimenTD3[:80])), "61", nil},
		{"inner length past the end", cat(unhex(t, "615B 5F1F59"), []byte(specimenTD3)), "61", nil},
		{"MRZ missing", unhex(t, "6103 5F2000"), "61/5F1F", nil},
		{"MRZ twice", cat(unhex(t, "61 81B6 5F1F58"), []byte(specimenTD3), unhex(t, "5F1F58"), []byte(specimenTD3)), "61/5F1F", nil},
		{"87 characters", BuildDG1(specimenTD3[:87]), "61/5F1F", nil},
		{"empty MRZ", unhex(t, "6103 5F1F00"), "61/5F1F", nil},
		{"not MRZ characters", BuildDG1(strings.ToLower(specimenTD3)), "61/5F1F", mrz.ErrFormat},
		{"binary", BuildDG1(string(make([]byte, 90))), "61/5F1F", mrz.ErrFormat},
		{"primitive 61", unhex(t, "4103 5F1F00"), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG1(tt.in)
			if d != nil {
				t.Fatalf("got a DG1 with %v", err)
			}
			checkErr(t, err, ErrMalformed, "EF.DG1", tt.elem)
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("error %v does not wrap %v", err, tt.also)
			}
		})
	}
}
