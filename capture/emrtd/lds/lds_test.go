package lds

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes hex, ignoring spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// checkErr checks that err is an *Error of the given kind whose file is
// file and whose element contains elem.
func checkErr(t *testing.T, err error, kind error, file, elem string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v in %s %q", kind, file, elem)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q does not wrap %v", err, kind)
	}
	if e.File != file || !strings.Contains(e.Element, elem) {
		t.Fatalf("error %q names %s %q, want %s and an element containing %q", err, e.File, e.Element, file, elem)
	}
}

func TestTagMapping(t *testing.T) {
	want := map[int]byte{1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68,
		9: 0x69, 10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
	for dg := -1; dg <= 18; dg++ {
		tag, ok := TagOf(dg)
		w, exists := want[dg]
		if ok != exists || tag != w {
			t.Errorf("TagOf(%d) = %02X, %v; want %02X, %v", dg, tag, ok, w, exists)
		}
		if exists {
			if g, ok := GroupOfTag(tag); !ok || g != dg {
				t.Errorf("GroupOfTag(%02X) = %d, %v; want %d", tag, g, ok, dg)
			}
		}
	}
	for _, tag := range []byte{0x00, 0x60, 0x62, 0x64, 0x71, 0x77, 0xFF} {
		if g, ok := GroupOfTag(tag); ok {
			t.Errorf("GroupOfTag(%02X) = %d, want none", tag, g)
		}
	}
}

func TestParseDispatch(t *testing.T) {
	tests := []struct {
		dg   int
		in   []byte
		want string // type of the result, "" for none
		kind error
	}{
		{1, BuildDG1(specimenTD3), "*lds.DG1", nil},
		{2, BuildDG2([]FaceImage{testFace(1)}), "*lds.DG2", nil},
		{11, BuildDG11(DG11{FullName: NewName("ERIKSSON", "ANNA MARIA")}), "*lds.DG11", nil},
		{12, BuildDG12(DG12{IssuingAuthority: "UTOPIA"}), "*lds.DG12", nil},
		{14, BuildDG14(aaInfo()), "*lds.DG14", nil},
		{15, BuildDG15(unhex(t, rsa1024SPKI)), "*lds.DG15", nil},
		{2, BuildDG1(specimenTD3), "", ErrMalformed},
		{14, []byte{0x6E, 0x05}, "", ErrMalformed},
		{3, []byte{0x63, 0x00}, "", ErrUnsupported},
		{0, BuildCOM("1.7", []int{1}), "", ErrUnsupported},
		{17, []byte{0x71, 0x00}, "", ErrUnsupported},
	}
	for _, tt := range tests {
		v, err := Parse(tt.dg, tt.in)
		if tt.kind != nil {
			if !errors.Is(err, tt.kind) || v != nil {
				t.Errorf("Parse(%d) = %T, %v; want nil and %v", tt.dg, v, err, tt.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%d): %v", tt.dg, err)
			continue
		}
		if got := typeName(v); got != tt.want {
			t.Errorf("Parse(%d) gave %s, want %s", tt.dg, got, tt.want)
		}
	}
	// A DG1 failing its MRZ checks comes back with its error.
	v, err := Parse(1, BuildDG1(strings.Replace(specimenTD3, "<10", "<11", 1)))
	if _, ok := v.(*DG1); !ok || err == nil {
		t.Errorf("Parse(1) of a bad MRZ = %T, %v; want *DG1 and an error", v, err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *DG1:
		return "*lds.DG1"
	case *DG2:
		return "*lds.DG2"
	case *DG11:
		return "*lds.DG11"
	case *DG12:
		return "*lds.DG12"
	case *DG14:
		return "*lds.DG14"
	case *DG15:
		return "*lds.DG15"
	}
	return "other"
}

func TestFileLevelErrors(t *testing.T) {
	huge := make([]byte, MaxFileSize+1)
	huge[0] = 0x75
	tests := []struct {
		name string
		in   []byte
		elem string
	}{
		{"empty", nil, ""},
		{"too large", huge, ""},
		{"trailing garbage", cat(BuildDG2([]FaceImage{testFace(1)}), []byte{0x01}), ""},
		{"length past the end", unhex(t, "7584FFFFFFF0"), "75"},
		{"indefinite length", unhex(t, "7580"), "75"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDG2(tt.in)
			checkErr(t, err, ErrMalformed, "EF.DG2", tt.elem)
		})
	}
	// Padding after the file's object is tolerated.
	if _, err := ParseDG2(cat(BuildDG2([]FaceImage{testFace(1)}), []byte{0, 0, 0xFF})); err != nil {
		t.Errorf("padding: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{File: "EF.DG2", Element: "75/7F61", Reason: "count missing", Kind: ErrMalformed, Err: errors.New("cause")}
	if got, want := e.Error(), "lds: EF.DG2 75/7F61: count missing: cause"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{File: "EF.COM", Reason: "empty file", Kind: ErrMalformed}
	if got, want := e.Error(), "lds: EF.COM: empty file"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
