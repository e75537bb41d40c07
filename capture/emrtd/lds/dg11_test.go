package lds

import (
	"reflect"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

func TestParseDG11(t *testing.T) {
	full := DG11{
		FullName:           NewName("ERIKSSON", "ANNA MARIA"),
		OtherNames:         []Name{NewName("SMITH", "ANNA"), ParseName("ÅSTRÖM<<ANNA")},
		PersonalNumber:     "123456789",
		DateOfBirth:        Date{1974, 8, 12},
		PlaceOfBirth:       "ZENITH<UTOPIA",
		Address:            "123 MAPLE RD<ANYTOWN<MN",
		Telephone:          "1-612-555-1212",
		Profession:         "TRAVEL<AGENT",
		Title:              "PROFESSOR",
		PersonalSummary:    "EYES<BLUE",
		ProofOfCitizenship: []byte{0xFF, 0xD8, 0xFF, 0xD9},
		OtherTDNumbers:     "L898902C3<D23145890",
		CustodyInformation: "NONE",
	}
	fullTags := []tlv.Tag{0x5F0E, 0x5F0F, 0x5F10, 0x5F2B, 0x5F11, 0x5F42, 0x5F12, 0x5F13, 0x5F14, 0x5F15, 0x5F16, 0x5F17, 0x5F18}
	tests := []struct {
		name string
		in   []byte
		want DG11
	}{
		// In the style of the ICAO 9303-10 §4.7.11 example: full name,
		// full date of birth and place of birth, with their tag list.
		{"literal", cat(unhex(t, "6B30 5C06 5F0E5F2B5F11 5F0E0D"), []byte("SMITH<<JOHN<J"),
			unhex(t, "5F2B08"), []byte("19711019"), unhex(t, "5F110A"), []byte("ANYTOWN<MN")),
			DG11{Tags: []tlv.Tag{0x5F0E, 0x5F2B, 0x5F11}, FullName: Name{"SMITH<<JOHN<J", "SMITH", "JOHN J"},
				DateOfBirth: Date{1971, 10, 19}, PlaceOfBirth: "ANYTOWN<MN"}},
		{"all fields", BuildDG11(full), withTags(full, fullTags)},
		{"name only", BuildDG11(DG11{FullName: NewName("ERIKSSON", "")}),
			DG11{Tags: []tlv.Tag{0x5F0E}, FullName: Name{"ERIKSSON", "ERIKSSON", ""}}},
		{"empty", BuildDG11(DG11{}), DG11{}},
		{"BCD date, partial", unhex(t, "6B0C 5C00 5F2B04 19740000 5301AA"), DG11{DateOfBirth: Date{1974, 0, 0}}},
		{"unknown elements ignored, even repeated", unhex(t, "6B06 5301AA 5301BB"), DG11{}},
		{"bare other names", cat(unhex(t, "6B0C 5F0F05"), []byte("A<<BC"), unhex(t, "5F0F01"), []byte("D")),
			DG11{OtherNames: []Name{{"A<<BC", "A", "BC"}, {"D", "D", ""}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG11(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*d, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", *d, tt.want)
			}
		})
	}
}

func withTags(d DG11, tags []tlv.Tag) DG11 { d.Tags = tags; return d }

func TestNames(t *testing.T) {
	tests := []struct {
		raw, primary, secondary, str string
	}{
		{"ERIKSSON<<ANNA<MARIA", "ERIKSSON", "ANNA MARIA", "ERIKSSON, ANNA MARIA"},
		{"VAN<DER<BERG<<JAN", "VAN DER BERG", "JAN", "VAN DER BERG, JAN"},
		{"ERIKSSON", "ERIKSSON", "", "ERIKSSON"},
		{"<<ANNA", "", "ANNA", ", ANNA"},
		{"ERIKSSON<<ANNA<<<MARIA<<", "ERIKSSON", "ANNA MARIA", "ERIKSSON, ANNA MARIA"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		n := ParseName(tt.raw)
		if n.Raw != tt.raw || n.Primary != tt.primary || n.Secondary != tt.secondary || n.String() != tt.str {
			t.Errorf("ParseName(%q) = %+v (%q)", tt.raw, n, n.String())
		}
	}
	if n := NewName("VAN DER  BERG", "JAN  PIETER"); n.Raw != "VAN<DER<BERG<<JAN<PIETER" {
		t.Errorf("NewName raw = %q", n.Raw)
	}
	if got := Parts("123 MAPLE RD<ANYTOWN<<MN< "); !reflect.DeepEqual(got, []string{"123 MAPLE RD", "ANYTOWN", "MN"}) {
		t.Errorf("Parts = %q", got)
	}
	for _, d := range []struct {
		d    Date
		want string
	}{{Date{1974, 8, 12}, "1974-08-12"}, {Date{1974, 0, 0}, "1974-XX-XX"}, {Date{}, ""}} {
		if got := d.d.String(); got != d.want {
			t.Errorf("%v.String() = %q, want %q", d.d, got, d.want)
		}
	}
}

func TestParseDG11Malformed(t *testing.T) {
	el := func(tag tlv.Tag, v string) []byte { return tlv.Encode(tag, []byte(v)) }
	dg11 := func(parts ...[]byte) []byte { return tlv.EncodeConstructed(0x6B, parts...) }
	names := func(count byte, entries ...[]byte) []byte {
		return tlv.EncodeConstructed(0xA0, append([][]byte{tlv.Encode(0x02, []byte{count})}, entries...)...)
	}
	many := make([][]byte, 0, MaxNames+1)
	for i := 0; i <= MaxNames; i++ {
		many = append(many, el(0x5F0F, "X"))
	}
	tests := []struct {
		name string
		in   []byte
		elem string
	}{
		{"wrong outer tag", tlv.EncodeConstructed(0x6C, el(0x5F0E, "A")), ""},
		{"truncated", dg11(el(0x5F0E, "ERIKSSON<<ANNA"))[:8], "6B"},
		{"inner length past the end", unhex(t, "6B04 5F0E0541"), "6B"},
		{"name not UTF-8", dg11(el(0x5F0E, "ERIK\xFFSSON")), "6B/5F0E"},
		{"name twice", dg11(el(0x5F0E, "A"), el(0x5F0E, "B")), "6B/5F0E"},
		{"date of birth short", dg11(el(0x5F2B, "1974081")), "6B/5F2B"},
		{"date of birth not digits", dg11(el(0x5F2B, "1974O812")), "6B/5F2B"},
		{"date of birth month 13", dg11(el(0x5F2B, "19741312")), "6B/5F2B"},
		{"date of birth 30 February", dg11(el(0x5F2B, "19740230")), "6B/5F2B"},
		{"date of birth year 0", dg11(el(0x5F2B, "00000101")), "6B/5F2B"},
		{"date of birth day without month", dg11(el(0x5F2B, "19740012")), "6B/5F2B"},
		{"BCD date not BCD", dg11(el(0x5F2B, "\x19\x7A\x08\x12")), "6B/5F2B"},
		{"tag list broken", dg11(el(0x5C, "\x5F")), "6B/5C"},
		{"other names count missing", dg11(tlv.EncodeConstructed(0xA0)), "6B/A0/02"},
		{"other names count zero", dg11(names(0)), "6B/A0/02"},
		{"other names count absurd", dg11(names(200, el(0x5F0F, "A"))), "6B/A0/02"},
		{"other names count mismatch", dg11(names(3, el(0x5F0F, "A"), el(0x5F0F, "B"))), "6B/A0"},
		{"other names wrong entry", dg11(names(2, el(0x5F0F, "A"), el(0x5F0E, "B"))), "6B/A0/5F0F[2]"},
		{"other name not UTF-8", dg11(names(1, el(0x5F0F, "\xC3"))), "6B/A0/5F0F[1]"},
		{"other names primitive", dg11(el(0xA0, "x")), "6B/A0"},
		{"too many bare names", dg11(many...), "6B/5F0F"},
		{"place of birth not UTF-8", dg11(el(0x5F11, "\xE2\x82")), "6B/5F11"},
		{"custody twice", dg11(el(0x5F18, "A"), el(0x5F18, "A")), "6B/5F18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG11(tt.in)
			if d != nil {
				t.Fatalf("got a DG11 with %v", err)
			}
			checkErr(t, err, ErrMalformed, "EF.DG11", tt.elem)
		})
	}
}
