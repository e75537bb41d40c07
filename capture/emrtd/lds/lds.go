package lds

import (
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// Tags of the LDS1 elementary files (ICAO 9303-10 §4.6, table of EF.COM
// tags). EF.COM lists the data groups present by these tags.
const (
	TagCOM  byte = 0x60
	TagDG1  byte = 0x61
	TagDG2  byte = 0x75
	TagDG3  byte = 0x63
	TagDG4  byte = 0x76
	TagDG5  byte = 0x65
	TagDG6  byte = 0x66
	TagDG7  byte = 0x67
	TagDG8  byte = 0x68
	TagDG9  byte = 0x69
	TagDG10 byte = 0x6A
	TagDG11 byte = 0x6B
	TagDG12 byte = 0x6C
	TagDG13 byte = 0x6D
	TagDG14 byte = 0x6E
	TagDG15 byte = 0x6F
	TagDG16 byte = 0x70
	TagSOD  byte = 0x77
)

// Limits applied to every input. They are far above what a genuine chip
// holds and only keep hostile input from costing memory or time.
const (
	// MaxFileSize bounds the size of one file given to a parser.
	MaxFileSize = 4 << 20
	// maxChildren bounds the data objects accepted at one level of a
	// template.
	maxChildren = 256
)

// TagOf returns the tag of data group dg (1 to 16) as EF.COM lists it.
func TagOf(dg int) (byte, bool) {
	switch dg {
	case 1:
		return TagDG1, true
	case 2:
		return TagDG2, true
	case 3:
		return TagDG3, true
	case 4:
		return TagDG4, true
	case 5:
		return TagDG5, true
	case 6:
		return TagDG6, true
	case 7:
		return TagDG7, true
	case 8:
		return TagDG8, true
	case 9:
		return TagDG9, true
	case 10:
		return TagDG10, true
	case 11:
		return TagDG11, true
	case 12:
		return TagDG12, true
	case 13:
		return TagDG13, true
	case 14:
		return TagDG14, true
	case 15:
		return TagDG15, true
	case 16:
		return TagDG16, true
	}
	return 0, false
}

// GroupOfTag returns the data group number whose file starts with tag; it
// is the inverse of TagOf.
func GroupOfTag(tag byte) (int, bool) {
	for dg := 1; dg <= 16; dg++ {
		if t, _ := TagOf(dg); t == tag {
			return dg, true
		}
	}
	return 0, false
}

// FileName returns the name of data group dg's file, such as "EF.DG2".
func FileName(dg int) string { return fmt.Sprintf("EF.DG%d", dg) }

// Parse parses the file of data group dg and returns *DG1, *DG2, *DG11,
// *DG12, *DG14 or *DG15. Other data groups give an error wrapping
// ErrUnsupported. As with ParseDG1, a DG1 whose MRZ has wrong check digits
// is returned together with its error.
func Parse(dg int, b []byte) (any, error) {
	switch dg {
	case 1:
		d, err := ParseDG1(b)
		if d == nil {
			return nil, err
		}
		return d, err
	case 2:
		return nilIfErr(ParseDG2(b))
	case 7:
		return nilIfErr(ParseDG7(b))
	case 11:
		return nilIfErr(ParseDG11(b))
	case 12:
		return nilIfErr(ParseDG12(b))
	case 14:
		return nilIfErr(ParseDG14(b))
	case 15:
		return nilIfErr(ParseDG15(b))
	}
	name := FileName(dg)
	if _, ok := TagOf(dg); !ok {
		name = fmt.Sprintf("data group %d", dg)
	}
	return nil, loc{file: name}.unsupported("no parser for this data group")
}

// nilIfErr turns a typed result into an untyped nil on error, so that
// Parse never returns a non-nil interface holding a nil pointer.
func nilIfErr[T any](v *T, err error) (any, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

// openFile checks the size of a file, decodes its outer data object and
// checks its tag. Padding bytes 00 or FF after the object are tolerated;
// anything else is not. It returns the object and the location of its
// value for error reports.
func openFile(file string, b []byte, tag tlv.Tag) (tlv.Object, loc, error) {
	l := loc{file: file}
	if len(b) == 0 {
		return tlv.Object{}, l, l.bad(nil, "empty file")
	}
	if len(b) > MaxFileSize {
		return tlv.Object{}, l, l.bad(nil, "%d bytes, more than the %d accepted", len(b), MaxFileSize)
	}
	o, rest, err := tlv.Decode(b)
	if err != nil {
		return tlv.Object{}, l, l.at(tag.String()).bad(err, "cannot decode the file's data object")
	}
	if o.Tag != tag {
		return tlv.Object{}, l, l.bad(nil, "file starts with tag %s, want %s", o.Tag, tag)
	}
	for _, c := range rest {
		if c != 0x00 && c != 0xFF {
			return tlv.Object{}, l, l.bad(nil, "%d bytes follow the %s data object", len(rest), tag)
		}
	}
	return o, l.at(tag.String()), nil
}

// children decodes the value of the constructed object at l into at most
// maxChildren data objects.
func children(l loc, o tlv.Object) ([]tlv.Object, error) {
	if !o.Tag.Constructed() {
		return nil, l.bad(nil, "tag %s is not a constructed template", o.Tag)
	}
	var out []tlv.Object
	s := tlv.NewScanner(o.Value)
	for s.Scan() {
		if len(out) == maxChildren {
			return nil, l.bad(nil, "more than %d data objects", maxChildren)
		}
		out = append(out, s.Object())
	}
	if err := s.Err(); err != nil {
		return nil, l.bad(err, "cannot decode the contents")
	}
	return out, nil
}

// once records the tags met in a template and reports a repeated one.
type once []tlv.Tag

// first returns an error if tag was met before at l.
func (s *once) first(l loc, tag tlv.Tag) error {
	for _, t := range *s {
		if t == tag {
			return l.at(tag.String()).bad(nil, "element appears more than once")
		}
	}
	*s = append(*s, tag)
	return nil
}

// clone copies b, keeping nil for an empty slice.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
