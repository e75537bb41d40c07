package tlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// efCOM is the EF.COM of the ICAO 9303-11 Appendix D worked example (LDS
// version 0106, Unicode 040000, data groups 1 and 2).
const efCOM = "60145F0104303130365F36063034303030305C026175"

func TestParseTag(t *testing.T) {
	tests := []struct {
		in      string
		tag     Tag
		n       int
		constr  bool
		class   Class
		wantErr error
	}{
		{"60", 0x60, 1, true, ClassApplication, nil},
		{"5F01", 0x5F01, 2, false, ClassApplication, nil},
		{"7F49", 0x7F49, 2, true, ClassApplication, nil},
		{"87", 0x87, 1, false, ClassContext, nil},
		{"BF8101", 0xBF8101, 3, true, ClassContext, nil},
		{"02", 0x02, 1, false, ClassUniversal, nil},
		{"DF", 0, 0, false, 0, ErrTruncated},
		{"5F81", 0, 0, false, 0, ErrTruncated},
		{"5F818181", 0, 0, false, 0, ErrTagTooLong},
		{"00", 0, 0, false, 0, ErrInvalidTag},
		{"FF01", 0, 0, false, 0, ErrInvalidTag},
		{"", 0, 0, false, 0, ErrTruncated},
	}
	for _, tt := range tests {
		tag, n, err := ParseTag(unhex(t, tt.in))
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseTag(%s) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || tag != tt.tag || n != tt.n {
			t.Errorf("ParseTag(%s) = %s, %d, %v; want %s, %d", tt.in, tag, n, err, tt.tag, tt.n)
			continue
		}
		if tag.Constructed() != tt.constr || tag.Class() != tt.class {
			t.Errorf("tag %s: constructed %v class %v, want %v %v", tag, tag.Constructed(), tag.Class(), tt.constr, tt.class)
		}
		if got := AppendTag(nil, tag); !bytes.Equal(got, unhex(t, tt.in)) {
			t.Errorf("AppendTag(%s) = %X", tag, got)
		}
	}
}

func TestParseLength(t *testing.T) {
	tests := []struct {
		in      string
		l, n    int
		wantErr error
	}{
		{"00", 0, 1, nil},
		{"7F", 127, 1, nil},
		{"8180", 128, 2, nil},
		{"8105", 5, 2, nil}, // non-minimal, accepted
		{"820100", 256, 3, nil},
		{"83010000", 65536, 4, nil},
		{"84FFFFFFFF", 0xFFFFFFFF, 5, nil},
		{"80", 0, 0, ErrIndefiniteLength},
		{"85010000000000", 0, 0, ErrLengthTooLong},
		{"8201", 0, 0, ErrTruncated},
		{"", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		l, n, err := ParseLength(unhex(t, tt.in))
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseLength(%s) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || l != tt.l || n != tt.n {
			t.Errorf("ParseLength(%s) = %d, %d, %v; want %d, %d", tt.in, l, n, err, tt.l, tt.n)
		}
	}
}

func TestDecodeHostileLengths(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"length beyond data", "870A0102", ErrTruncated},
		{"four-byte huge length", "8784FFFFFFF0", ErrTruncated},
		{"indefinite", "3080000000", ErrIndefiniteLength},
		{"missing length", "5F01", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(unhex(t, tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if _, err := DecodeAll(unhex(t, tt.in)); !errors.Is(err, tt.want) {
				t.Fatalf("DecodeAll error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFindPathEFCOM(t *testing.T) {
	b := unhex(t, efCOM)
	tests := []struct {
		path []Tag
		want string
		err  error
	}{
		{[]Tag{0x60, 0x5F01}, "30313036", nil},
		{[]Tag{0x60, 0x5F36}, "303430303030", nil},
		{[]Tag{0x60, 0x5C}, "6175", nil},
		{[]Tag{0x60, 0x5F02}, "", ErrNotFound},
		{[]Tag{0x60, 0x5F01, 0x01}, "", ErrNotConstructed},
		{nil, "", ErrNotFound},
	}
	for _, tt := range tests {
		o, err := FindPath(b, tt.path...)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("FindPath(%v) error = %v, want %v", tt.path, err, tt.err)
			}
			continue
		}
		if err != nil || hex.EncodeToString(o.Value) != tt.want {
			t.Errorf("FindPath(%v) = %X, %v; want %s", tt.path, o.Value, err, tt.want)
		}
	}
	top, err := Find(b, 0x60)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := top.Children()
	if err != nil || len(kids) != 3 {
		t.Fatalf("children of 60: %d, %v", len(kids), err)
	}
	if _, err := kids[0].Children(); !errors.Is(err, ErrNotConstructed) {
		t.Errorf("children of primitive: %v", err)
	}
	// Re-encoding the children reproduces the file.
	var parts [][]byte
	for _, k := range kids {
		parts = append(parts, Encode(k.Tag, k.Value))
	}
	if got := EncodeConstructed(0x60, parts...); !bytes.Equal(got, b) {
		t.Errorf("re-encoded EF.COM = %X", got)
	}
}

func TestAppendLengthRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 24, 1<<31 - 1} {
		enc := AppendLength(nil, n)
		got, used, err := ParseLength(enc)
		if err != nil || got != n || used != len(enc) {
			t.Errorf("length %d: encoded %X decoded %d (%d bytes), %v", n, enc, got, used, err)
		}
	}
}

func TestWalkDepthLimit(t *testing.T) {
	// MaxDepth+1 nested constructed objects.
	inner := []byte{}
	for i := 0; i <= MaxDepth; i++ {
		inner = EncodeConstructed(0x30, inner)
	}
	if err := Walk(inner, func(int, Object) error { return nil }); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Walk error = %v, want ErrTooDeep", err)
	}
	count := 0
	if err := Walk(unhex(t, efCOM), func(int, Object) error { count++; return nil }); err != nil || count != 4 {
		t.Fatalf("Walk EF.COM visited %d objects, err %v", count, err)
	}
}

func TestTagString(t *testing.T) {
	for _, tt := range []struct {
		tag  Tag
		want string
	}{{0x87, "87"}, {0x7F49, "7F49"}, {0x5F1F, "5F1F"}, {0xBF8101, "BF8101"}} {
		if got := tt.tag.String(); got != tt.want {
			t.Errorf("Tag(%#x).String() = %q, want %q", uint32(tt.tag), got, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		efCOM,
		"7F4981A10606040007020202",
		"8709019FF0EC34F9922651990290008E08AD55CC17140B2DED",
		"3080", "8784FFFFFFF0", "5F818181", "",
		"31143012060A04007F0007020204020202010202010D",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Walk(b, func(depth int, o Object) error {
			if len(o.Raw) > len(b) || len(o.Value) > len(o.Raw) {
				t.Fatalf("object %s larger than input", o.Tag)
			}
			// Re-encoding and decoding gives the same tag and value.
			got, rest, err := Decode(Encode(o.Tag, o.Value))
			if err != nil || len(rest) != 0 || got.Tag != o.Tag || !bytes.Equal(got.Value, o.Value) {
				t.Fatalf("round trip of %s failed: %v", o.Tag, err)
			}
			return nil
		})
	})
}
