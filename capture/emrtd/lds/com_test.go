package lds

import (
	"reflect"
	"testing"
)

func TestParseCOM(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		version string
		unicode string
		groups  []int
	}{
		// ICAO 9303-11 Appendix D worked example: LDS 1.6, Unicode 4.0.0,
		// data groups 1 and 2.
		{"ICAO example", unhex(t, "6014 5F0104 30313036 5F3606 303430303030 5C02 6175"), "1.6", "4.0.0", []int{1, 2}},
		{"built", BuildCOM("1.7", []int{1, 2, 11, 12, 14, 15}), "1.7", "4.0.0", []int{1, 2, 11, 12, 14, 15}},
		{"all groups", BuildCOM("1.8", []int{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}), "1.8", "4.0.0",
			[]int{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"no groups", BuildCOM("1.7", nil), "1.7", "4.0.0", []int{}},
		{"order of elements free", unhex(t, "6014 5C02 6175 5F3606 303430303030 5F0104 30313037"), "1.7", "4.0.0", []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCOM(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.LDSVersion != tt.version || c.UnicodeVersion != tt.unicode || !reflect.DeepEqual(c.Groups, tt.groups) {
				t.Fatalf("got %+v, want %s %s %v", c, tt.version, tt.unicode, tt.groups)
			}
			for _, g := range tt.groups {
				if !c.Has(g) {
					t.Errorf("Has(%d) = false", g)
				}
			}
			if len(tt.groups) < 16 && c.Has(16) {
				t.Errorf("Has(16) = true")
			}
		})
	}
}

func TestParseCOMMalformed(t *testing.T) {
	tests := []struct {
		name string
		in   string
		elem string
	}{
		{"wrong outer tag", "6114 5F0104 30313036 5F3606 303430303030 5C02 6175", ""},
		{"truncated", "6014 5F0104 30313036 5F3606 3034", "60"},
		{"inner length past the end", "6010 5F0104 30313036 5F3640 303430303030", "60"},
		{"version missing", "600D 5F3606 303430303030 5C02 6175", "60/5F01"},
		{"unicode missing", "600B 5F0104 30313036 5C02 6175", "60/5F36"},
		{"tag list missing", "6010 5F0104 30313036 5F3606 303430303030", "60/5C"},
		{"version not digits", "6014 5F0104 3031303A 5F3606 303430303030 5C02 6175", "60/5F01"},
		{"version too short", "6013 5F0103 303130 5F3606 303430303030 5C02 6175", "60/5F01"},
		{"unicode too long", "6015 5F0104 30313036 5F3607 30343030303030 5C02 6175", "60/5F36"},
		{"unknown tag in list", "6014 5F0104 30313036 5F3606 303430303030 5C02 6177", "60/5C"},
		{"group listed twice", "6014 5F0104 30313036 5F3606 303430303030 5C02 6161", "60/5C"},
		{"absurd tag list", "6025 5F0104 30313036 5F3606 303430303030 5C13 6175636576656667 68696A6B6C6D6E6F 706161", "60/5C"},
		{"repeated version", "601B 5F0104 30313036 5F0104 30313036 5F3606 303430303030 5C02 6175", "60/5F01"},
		{"primitive outer", "0014", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCOM(unhex(t, tt.in))
			checkErr(t, err, ErrMalformed, "EF.COM", tt.elem)
		})
	}
}
