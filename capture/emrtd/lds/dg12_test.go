package lds

import (
	"reflect"
	"testing"
	"time"

	"github.com/capturestation/station/internal/tlv"
)

func TestParseDG12(t *testing.T) {
	full := DG12{
		IssuingAuthority:            "UTOPIA MINISTRY OF FOREIGN AFFAIRS",
		DateOfIssue:                 Date{2012, 4, 16},
		OtherPersons:                []Name{NewName("ERIKSSON", "KARL"), NewName("ERIKSSON", "LISA")},
		Endorsements:                "VALID FOR ALL COUNTRIES",
		TaxExitRequirements:         "NONE",
		FrontImage:                  []byte{0xFF, 0xD8, 0x01, 0xFF, 0xD9},
		RearImage:                   []byte{0xFF, 0xD8, 0x02, 0xFF, 0xD9},
		PersonalizationTime:         time.Date(2012, 4, 15, 13, 45, 30, 0, time.UTC),
		PersonalizationDeviceSerial: "SN-0001",
	}
	fullTags := []tlv.Tag{0x5F19, 0x5F26, 0x5F1A, 0x5F1B, 0x5F1C, 0x5F1D, 0x5F1E, 0x5F55, 0x5F56}
	withTags := func(d DG12, tags []tlv.Tag) DG12 { d.Tags = tags; return d }
	tests := []struct {
		name string
		in   []byte
		want DG12
	}{
		// In the style of the ICAO 9303-10 §4.7.12 example: issuing
		// authority, date of issue, one other person, personalization time.
		{"literal", cat(unhex(t, "6C4D 5C08 5F195F265F1A5F55 5F190D"), []byte("UNITED STATES"),
			unhex(t, "5F2608"), []byte("20020131"),
			unhex(t, "A015 020101 5F1A0F"), []byte("SMITH<<BRENDA<P"),
			unhex(t, "5F550E"), []byte("20020131140000")),
			DG12{Tags: []tlv.Tag{0x5F19, 0x5F26, 0x5F1A, 0x5F55}, IssuingAuthority: "UNITED STATES",
				DateOfIssue: Date{2002, 1, 31}, OtherPersons: []Name{{"SMITH<<BRENDA<P", "SMITH", "BRENDA P"}},
				PersonalizationTime: time.Date(2002, 1, 31, 14, 0, 0, 0, time.UTC)}},
		{"all fields", BuildDG12(full), withTags(full, fullTags)},
		{"empty", BuildDG12(DG12{}), DG12{}},
		{"BCD dates", unhex(t, "6C11 5F2604 20020131 5F5507 20020131140000"),
			DG12{DateOfIssue: Date{2002, 1, 31}, PersonalizationTime: time.Date(2002, 1, 31, 14, 0, 0, 0, time.UTC)}},
		{"bare other person", cat(unhex(t, "6C05 5F1A02"), []byte("AB")), DG12{OtherPersons: []Name{{"AB", "AB", ""}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG12(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*d, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", *d, tt.want)
			}
		})
	}
}

func TestParseDG12Malformed(t *testing.T) {
	el := func(tag tlv.Tag, v string) []byte { return tlv.Encode(tag, []byte(v)) }
	dg12 := func(parts ...[]byte) []byte { return tlv.EncodeConstructed(0x6C, parts...) }
	tests := []struct {
		name string
		in   []byte
		elem string
	}{
		{"wrong outer tag", tlv.EncodeConstructed(0x6B, el(0x5F19, "A")), ""},
		{"truncated", dg12(el(0x5F19, "UTOPIA"))[:6], "6C"},
		{"inner length past the end", unhex(t, "6C05 5F19824142"), "6C"},
		{"authority not UTF-8", dg12(el(0x5F19, "\xFF")), "6C/5F19"},
		{"date of issue not a date", dg12(el(0x5F26, "2002-1-31")), "6C/5F26"},
		{"date of issue 31 April", dg12(el(0x5F26, "20020431")), "6C/5F26"},
		{"personalization time short", dg12(el(0x5F55, "200201311400")), "6C/5F55"},
		{"personalization hour 25", dg12(el(0x5F55, "20020131250000")), "6C/5F55"},
		{"personalization not digits", dg12(el(0x5F55, "2002013114000A")), "6C/5F55"},
		{"personalization BCD not BCD", dg12(el(0x5F55, "\x20\x02\x01\x31\x14\x00\xAA")), "6C/5F55"},
		{"other persons count absurd", dg12(tlv.EncodeConstructed(0xA0, tlv.Encode(0x02, []byte{0xFF}))), "6C/A0/02"},
		{"other persons mismatch", dg12(tlv.EncodeConstructed(0xA0, tlv.Encode(0x02, []byte{1}))), "6C/A0"},
		{"other persons wrong entry", dg12(tlv.EncodeConstructed(0xA0, tlv.Encode(0x02, []byte{1}), el(0x5F0F, "A"))), "6C/A0/5F1A[1]"},
		{"front image twice", dg12(el(0x5F1D, "a"), el(0x5F1D, "b")), "6C/5F1D"},
		{"serial not UTF-8", dg12(el(0x5F56, "\xC0\x80")), "6C/5F56"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG12(tt.in)
			if d != nil {
				t.Fatalf("got a DG12 with %v", err)
			}
			checkErr(t, err, ErrMalformed, "EF.DG12", tt.elem)
		})
	}
}
