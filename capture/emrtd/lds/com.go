package lds

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/capturestation/station/internal/tlv"
)

// COM is the content of EF.COM (ICAO 9303-10 §4.6.1).
type COM struct {
	// LDSVersion is the LDS version "major.minor", such as "1.7" for the
	// stored "0107".
	LDSVersion string
	// UnicodeVersion is the Unicode version "major.minor.release", such as
	// "4.0.0" for the stored "040000".
	UnicodeVersion string
	// Groups are the data groups present, in the order of the tag list.
	Groups []int
}

// Has reports whether EF.COM lists data group dg.
func (c *COM) Has(dg int) bool {
	for _, g := range c.Groups {
		if g == dg {
			return true
		}
	}
	return false
}

// ParseCOM parses EF.COM: template 60 with the LDS version (5F01, four
// digits), the Unicode version (5F36, six digits) and the tag list (5C) of
// the data groups present. All three are mandatory; a tag that names no
// data group, or a data group listed twice, is an error.
func ParseCOM(b []byte) (*COM, error) {
	top, l, err := openFile("EF.COM", b, tlv.Tag(TagCOM))
	if err != nil {
		return nil, err
	}
	kids, err := children(l, top)
	if err != nil {
		return nil, err
	}
	c := &COM{}
	var seen once
	for _, k := range kids {
		el := l.at(k.Tag.String())
		switch k.Tag {
		case 0x5F01, 0x5F36, 0x5C:
			if err := seen.first(l, k.Tag); err != nil {
				return nil, err
			}
		}
		switch k.Tag {
		case 0x5F01:
			if c.LDSVersion, err = version(el, k.Value, 2); err != nil {
				return nil, err
			}
		case 0x5F36:
			if c.UnicodeVersion, err = version(el, k.Value, 3); err != nil {
				return nil, err
			}
		case 0x5C:
			if c.Groups, err = groupList(el, k.Value); err != nil {
				return nil, err
			}
		}
	}
	for _, t := range []tlv.Tag{0x5F01, 0x5F36, 0x5C} {
		found := false
		for _, s := range seen {
			found = found || s == t
		}
		if !found {
			return nil, l.at(t.String()).bad(nil, "mandatory element missing")
		}
	}
	return c, nil
}

// version reads parts pairs of ASCII digits as "a.b" or "a.b.c".
func version(l loc, v []byte, parts int) (string, error) {
	if len(v) != 2*parts {
		return "", l.bad(nil, "version has %d bytes, want %d digits", len(v), 2*parts)
	}
	out := make([]string, parts)
	for i := range out {
		n, ok := digits(v[2*i : 2*i+2])
		if !ok {
			return "", l.bad(nil, "version is not decimal digits")
		}
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, "."), nil
}

// groupList maps a tag list of one-byte data group tags to group numbers.
func groupList(l loc, v []byte) ([]int, error) {
	if len(v) > 16 {
		return nil, l.bad(nil, "%d tags listed; there are 16 data groups", len(v))
	}
	groups := make([]int, 0, len(v))
	for i, t := range v {
		dg, ok := GroupOfTag(t)
		if !ok {
			return nil, l.bad(nil, "tag %02X at position %d is not a data group tag", t, i+1)
		}
		for _, g := range groups {
			if g == dg {
				return nil, l.bad(nil, "data group %d listed twice", dg)
			}
		}
		groups = append(groups, dg)
	}
	return groups, nil
}

// BuildCOM returns an EF.COM listing groups, for tests and virtual chips.
// version is "major.minor" ("1.7" is stored as "0107"); a version in
// another form is stored as given. The Unicode version is 4.0.0. Group
// numbers outside 1 to 16 are skipped.
func BuildCOM(version string, groups []int) []byte {
	v := []byte(version)
	var major, minor int
	if n, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err == nil && n == 2 &&
		major >= 0 && major < 100 && minor >= 0 && minor < 100 {
		v = fmt.Appendf(nil, "%02d%02d", major, minor)
	}
	var list []byte
	for _, g := range groups {
		if t, ok := TagOf(g); ok {
			list = append(list, t)
		}
	}
	return tlv.EncodeConstructed(tlv.Tag(TagCOM),
		tlv.Encode(0x5F01, v),
		tlv.Encode(0x5F36, []byte("040000")),
		tlv.Encode(0x5C, list))
}
