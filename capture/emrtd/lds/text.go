package lds

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/capturestation/station/internal/tlv"
)

// Date is a calendar date of DG11 or DG12. Month or Day is 0 when the
// document leaves it unknown ("00").
type Date struct {
	// Year is the four-digit year.
	Year int
	// Month is 1 to 12, or 0 when unknown.
	Month int
	// Day is 1 to 31, or 0 when unknown.
	Day int
}

// IsZero reports whether the date is absent.
func (d Date) IsZero() bool { return d == Date{} }

// String returns YYYY-MM-DD, with XX for an unknown month or day, or ""
// for an absent date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	part := func(v int) string {
		if v == 0 {
			return "XX"
		}
		return fmt.Sprintf("%02d", v)
	}
	return fmt.Sprintf("%04d-%s-%s", d.Year, part(d.Month), part(d.Day))
}

// digits returns the value of the ASCII decimal digits of s, and whether
// all of them are digits.
func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// bcdToASCII turns packed BCD into ASCII digits; ok is false if a nibble is
// not a decimal digit.
func bcdToASCII(b []byte) ([]byte, bool) {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return nil, false
		}
		out = append(out, '0'+hi, '0'+lo)
	}
	return out, true
}

// parseDate reads a date stored as eight ASCII digits YYYYMMDD (ICAO
// 9303-10) or, as some older chips do, four bytes of packed BCD.
func parseDate(l loc, v []byte) (Date, error) {
	s := v
	if len(v) == 4 {
		var ok bool
		if s, ok = bcdToASCII(v); !ok {
			return Date{}, l.bad(nil, "4-byte date is not packed BCD")
		}
	}
	if len(s) != 8 {
		return Date{}, l.bad(nil, "date has %d bytes, want 8 (YYYYMMDD)", len(v))
	}
	y, okY := digits(s[0:4])
	m, okM := digits(s[4:6])
	d, okD := digits(s[6:8])
	if !okY || !okM || !okD {
		return Date{}, l.bad(nil, "date is not YYYYMMDD digits")
	}
	if y == 0 || m > 12 || (m == 0 && d != 0) {
		return Date{}, l.bad(nil, "date has an impossible year or month")
	}
	if d != 0 && d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return Date{}, l.bad(nil, "date has an impossible day")
	}
	return Date{Year: y, Month: m, Day: d}, nil
}

// appendDate encodes d as YYYYMMDD.
func appendDate(d Date) []byte {
	return fmt.Appendf(nil, "%04d%02d%02d", d.Year, d.Month, d.Day)
}

// parseDateTime reads YYYYMMDDhhmmss as fourteen ASCII digits or seven
// bytes of packed BCD. The chip does not record a time zone; the result is
// in UTC.
func parseDateTime(l loc, v []byte) (time.Time, error) {
	s := v
	if len(v) == 7 {
		var ok bool
		if s, ok = bcdToASCII(v); !ok {
			return time.Time{}, l.bad(nil, "7-byte date-time is not packed BCD")
		}
	}
	if len(s) != 14 {
		return time.Time{}, l.bad(nil, "date-time has %d bytes, want 14 (YYYYMMDDhhmmss)", len(v))
	}
	var f [6]int
	for i, w := range [6][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}} {
		n, ok := digits(s[w[0]:w[1]])
		if !ok {
			return time.Time{}, l.bad(nil, "date-time is not YYYYMMDDhhmmss digits")
		}
		f[i] = n
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	if f[0] == 0 || t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] ||
		t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return time.Time{}, l.bad(nil, "date-time does not exist")
	}
	return t, nil
}

// text returns a UTF-8 string element.
func text(l loc, v []byte) (string, error) {
	if !utf8.Valid(v) {
		return "", l.bad(nil, "text is not valid UTF-8")
	}
	return string(v), nil
}

// Name is a name as ICAO 9303 stores it in DG11 and DG12: the primary
// identifier (surname), "<<", then the secondary identifier (given names),
// with '<' between the parts of each.
type Name struct {
	// Raw is the name as stored, with its '<' separators.
	Raw string
	// Primary is the primary identifier with '<' turned into spaces.
	Primary string
	// Secondary is the secondary identifier with '<' turned into spaces.
	Secondary string
}

// ParseName splits a raw name on "<<" into its primary and secondary
// identifiers and replaces the remaining fillers by single spaces.
func ParseName(raw string) Name {
	primary, secondary, _ := strings.Cut(raw, "<<")
	return Name{Raw: raw, Primary: cleanFillers(primary), Secondary: cleanFillers(secondary)}
}

// NewName builds a Name from its cleaned parts, computing Raw as a chip
// stores it.
func NewName(primary, secondary string) Name {
	raw := strings.Join(strings.Fields(primary), "<")
	if secondary != "" {
		raw += "<<" + strings.Join(strings.Fields(secondary), "<")
	}
	return ParseName(raw)
}

// String returns the cleaned name, "PRIMARY, SECONDARY" or "PRIMARY".
func (n Name) String() string {
	if n.Secondary == "" {
		return n.Primary
	}
	return n.Primary + ", " + n.Secondary
}

// cleanFillers replaces runs of '<' and spaces by one space and trims.
func cleanFillers(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '<' || r == ' ' }), " ")
}

// Parts splits a DG11 or DG12 text element whose parts ICAO 9303 separates
// by '<' (place of birth, address, other TD numbers, ...), trimming spaces
// and dropping empty parts.
func Parts(raw string) []string {
	var out []string
	for _, p := range strings.Split(raw, "<") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTagList reads a tag list (5C): tags written one after another.
func parseTagList(l loc, v []byte) ([]tlv.Tag, error) {
	var tags []tlv.Tag
	for len(v) > 0 {
		if len(tags) == maxChildren {
			return nil, l.bad(nil, "more than %d tags", maxChildren)
		}
		t, n, err := tlv.ParseTag(v)
		if err != nil {
			return nil, l.bad(err, "tag %d cannot be decoded", len(tags)+1)
		}
		tags = append(tags, t)
		v = v[n:]
	}
	return tags, nil
}

// appendTagList appends the encoding of tags, as a tag list value.
func appendTagList(dst []byte, tags []tlv.Tag) []byte {
	for _, t := range tags {
		dst = tlv.AppendTag(dst, t)
	}
	return dst
}

// parseCount reads a count data object (02, one to two bytes, unsigned)
// and checks it is between 1 and max.
func parseCount(l loc, o tlv.Object, max int) (int, error) {
	if o.Tag != 0x02 {
		return 0, l.bad(nil, "starts with tag %s, want the count (02)", o.Tag)
	}
	l = l.at("02")
	if len(o.Value) == 0 || len(o.Value) > 2 {
		return 0, l.bad(nil, "count has %d bytes, want 1", len(o.Value))
	}
	n := 0
	for _, c := range o.Value {
		n = n<<8 | int(c)
	}
	if n < 1 || n > max {
		return 0, l.bad(nil, "count %d is outside 1 to %d", n, max)
	}
	return n, nil
}
