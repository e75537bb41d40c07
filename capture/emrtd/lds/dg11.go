package lds

import (
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// MaxNames bounds the other names of DG11 and the other persons of DG12.
const MaxNames = 64

// DG11 is the content of EF.DG11, additional personal details (ICAO
// 9303-10 §4.7.11). Absent elements are left at their zero value. Text is
// kept as stored; ICAO separates its parts by '<' (see Parts).
type DG11 struct {
	// Tags is the tag list (5C): the elements the issuer says are present.
	Tags []tlv.Tag
	// FullName is the name of the holder in full (5F0E).
	FullName Name
	// OtherNames are the other names (5F0F entries of A0).
	OtherNames []Name
	// PersonalNumber (5F10).
	PersonalNumber string
	// DateOfBirth is the full date of birth (5F2B).
	DateOfBirth Date
	// PlaceOfBirth (5F11), Address (5F42), Telephone (5F12), Profession
	// (5F13), Title (5F14) and PersonalSummary (5F15).
	PlaceOfBirth, Address, Telephone, Profession, Title, PersonalSummary string
	// ProofOfCitizenship is an image of a proof of citizenship (5F16).
	ProofOfCitizenship []byte
	// OtherTDNumbers lists other valid travel document numbers (5F17),
	// separated by '<'.
	OtherTDNumbers string
	// CustodyInformation (5F18).
	CustodyInformation string
}

// textField returns the string field of d stored under tag, or nil.
func (d *DG11) textField(tag tlv.Tag) *string {
	switch tag {
	case 0x5F10:
		return &d.PersonalNumber
	case 0x5F11:
		return &d.PlaceOfBirth
	case 0x5F42:
		return &d.Address
	case 0x5F12:
		return &d.Telephone
	case 0x5F13:
		return &d.Profession
	case 0x5F14:
		return &d.Title
	case 0x5F15:
		return &d.PersonalSummary
	case 0x5F17:
		return &d.OtherTDNumbers
	case 0x5F18:
		return &d.CustodyInformation
	}
	return nil
}

// ParseDG11 parses EF.DG11: template 6B with the tag list (5C) and any of
// the optional elements 5F0E, A0 (count 02 and 5F0F entries; bare 5F0F
// entries are accepted too), 5F10, 5F2B (YYYYMMDD, or packed BCD), 5F11,
// 5F42, 5F12, 5F13, 5F14, 5F15, 5F16, 5F17 and 5F18. Text must be UTF-8.
// Elements of other tags are ignored; a repeated element is an error.
func ParseDG11(b []byte) (*DG11, error) {
	top, l, err := openFile("EF.DG11", b, tlv.Tag(TagDG11))
	if err != nil {
		return nil, err
	}
	kids, err := children(l, top)
	if err != nil {
		return nil, err
	}
	d := &DG11{}
	var seen once
	for _, k := range kids {
		el := l.at(k.Tag.String())
		switch k.Tag {
		case 0x5C, 0x5F0E, 0xA0, 0x5F2B, 0x5F16, 0x5F10, 0x5F11, 0x5F42, 0x5F12, 0x5F13, 0x5F14, 0x5F15, 0x5F17, 0x5F18:
			if err := seen.first(l, k.Tag); err != nil {
				return nil, err
			}
		}
		if p := d.textField(k.Tag); p != nil {
			if *p, err = text(el, k.Value); err != nil {
				return nil, err
			}
			continue
		}
		switch k.Tag {
		case 0x5C:
			if d.Tags, err = parseTagList(el, k.Value); err != nil {
				return nil, err
			}
		case 0x5F0E:
			s, err := text(el, k.Value)
			if err != nil {
				return nil, err
			}
			d.FullName = ParseName(s)
		case 0xA0:
			names, err := parseNameList(el, k, 0x5F0F)
			if err != nil {
				return nil, err
			}
			d.OtherNames = append(d.OtherNames, names...)
		case 0x5F0F:
			if len(d.OtherNames) >= MaxNames {
				return nil, el.bad(nil, "more than %d names", MaxNames)
			}
			s, err := text(el, k.Value)
			if err != nil {
				return nil, err
			}
			d.OtherNames = append(d.OtherNames, ParseName(s))
		case 0x5F2B:
			if d.DateOfBirth, err = parseDate(el, k.Value); err != nil {
				return nil, err
			}
		case 0x5F16:
			d.ProofOfCitizenship = clone(k.Value)
		}
	}
	if len(d.OtherNames) > MaxNames {
		return nil, l.at("A0").bad(nil, "more than %d names", MaxNames)
	}
	return d, nil
}

// parseNameList reads a template (A0) holding a count (02) and that many
// names tagged entry.
func parseNameList(l loc, o tlv.Object, entry tlv.Tag) ([]Name, error) {
	kids, err := children(l, o)
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 {
		return nil, l.at("02").bad(nil, "count missing")
	}
	n, err := parseCount(l, kids[0], MaxNames)
	if err != nil {
		return nil, err
	}
	if len(kids)-1 != n {
		return nil, l.bad(nil, "count is %d but %d elements follow", n, len(kids)-1)
	}
	names := make([]Name, 0, n)
	for i, k := range kids[1:] {
		el := l.at(fmt.Sprintf("%s[%d]", entry, i+1))
		if k.Tag != entry {
			return nil, el.bad(nil, "tag %s, want %s", k.Tag, entry)
		}
		s, err := text(el, k.Value)
		if err != nil {
			return nil, err
		}
		names = append(names, ParseName(s))
	}
	return names, nil
}

// buildNameList encodes names as a template A0 with a count and entries.
func buildNameList(entry tlv.Tag, names []Name) []byte {
	parts := [][]byte{tlv.Encode(0x02, []byte{byte(len(names))})}
	for _, n := range names {
		parts = append(parts, tlv.Encode(entry, []byte(n.Raw)))
	}
	return tlv.EncodeConstructed(0xA0, parts...)
}

// BuildDG11 returns an EF.DG11 holding the non-zero fields of d, for tests
// and virtual chips. Names are written from their Raw form; the tag list is
// computed from the fields present (d.Tags is ignored) and lists 5F0F for
// other names.
func BuildDG11(d DG11) []byte {
	var tags []tlv.Tag
	var parts [][]byte
	add := func(t tlv.Tag, v []byte) {
		tags = append(tags, t)
		parts = append(parts, tlv.Encode(t, v))
	}
	if d.FullName.Raw != "" {
		add(0x5F0E, []byte(d.FullName.Raw))
	}
	if len(d.OtherNames) > 0 {
		tags = append(tags, 0x5F0F)
		parts = append(parts, buildNameList(0x5F0F, d.OtherNames))
	}
	if d.PersonalNumber != "" {
		add(0x5F10, []byte(d.PersonalNumber))
	}
	if !d.DateOfBirth.IsZero() {
		add(0x5F2B, appendDate(d.DateOfBirth))
	}
	for _, t := range []tlv.Tag{0x5F11, 0x5F42, 0x5F12, 0x5F13, 0x5F14, 0x5F15} {
		if p := d.textField(t); *p != "" {
			add(t, []byte(*p))
		}
	}
	if len(d.ProofOfCitizenship) > 0 {
		add(0x5F16, d.ProofOfCitizenship)
	}
	if d.OtherTDNumbers != "" {
		add(0x5F17, []byte(d.OtherTDNumbers))
	}
	if d.CustodyInformation != "" {
		add(0x5F18, []byte(d.CustodyInformation))
	}
	list := tlv.Encode(0x5C, appendTagList(nil, tags))
	return tlv.EncodeConstructed(tlv.Tag(TagDG11), append([][]byte{list}, parts...)...)
}
