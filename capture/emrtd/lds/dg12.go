package lds

import (
	"time"

	"github.com/capturestation/station/internal/tlv"
)

// DG12 is the content of EF.DG12, additional document details (ICAO
// 9303-10 §4.7.12). Absent elements are left at their zero value.
type DG12 struct {
	// Tags is the tag list (5C).
	Tags []tlv.Tag
	// IssuingAuthority (5F19).
	IssuingAuthority string
	// DateOfIssue (5F26).
	DateOfIssue Date
	// OtherPersons are the names of other persons (5F1A entries of A0).
	OtherPersons []Name
	// Endorsements are the endorsements and observations (5F1B).
	Endorsements string
	// TaxExitRequirements (5F1C).
	TaxExitRequirements string
	// FrontImage and RearImage are images of the document (5F1D, 5F1E).
	FrontImage, RearImage []byte
	// PersonalizationTime is the date and time of personalization (5F55),
	// in UTC as the chip records no zone.
	PersonalizationTime time.Time
	// PersonalizationDeviceSerial is the serial number of the
	// personalization system (5F56).
	PersonalizationDeviceSerial string
}

// textField returns the string field of d stored under tag, or nil.
func (d *DG12) textField(tag tlv.Tag) *string {
	switch tag {
	case 0x5F19:
		return &d.IssuingAuthority
	case 0x5F1B:
		return &d.Endorsements
	case 0x5F1C:
		return &d.TaxExitRequirements
	case 0x5F56:
		return &d.PersonalizationDeviceSerial
	}
	return nil
}

// ParseDG12 parses EF.DG12: template 6C with the tag list (5C) and any of
// the optional elements 5F19, 5F26 (YYYYMMDD, or packed BCD), A0 (count 02
// and 5F1A entries; bare 5F1A entries are accepted too), 5F1B, 5F1C, 5F1D,
// 5F1E, 5F55 (YYYYMMDDhhmmss, or packed BCD) and 5F56. Text must be
// UTF-8. Elements of other tags are ignored; a repeated element is an
// error.
func ParseDG12(b []byte) (*DG12, error) {
	top, l, err := openFile("EF.DG12", b, tlv.Tag(TagDG12))
	if err != nil {
		return nil, err
	}
	kids, err := children(l, top)
	if err != nil {
		return nil, err
	}
	d := &DG12{}
	var seen once
	for _, k := range kids {
		el := l.at(k.Tag.String())
		switch k.Tag {
		case 0x5C, 0x5F19, 0x5F26, 0xA0, 0x5F1B, 0x5F1C, 0x5F1D, 0x5F1E, 0x5F55, 0x5F56:
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
		case 0x5F26:
			if d.DateOfIssue, err = parseDate(el, k.Value); err != nil {
				return nil, err
			}
		case 0xA0:
			names, err := parseNameList(el, k, 0x5F1A)
			if err != nil {
				return nil, err
			}
			d.OtherPersons = append(d.OtherPersons, names...)
		case 0x5F1A:
			if len(d.OtherPersons) >= MaxNames {
				return nil, el.bad(nil, "more than %d names", MaxNames)
			}
			s, err := text(el, k.Value)
			if err != nil {
				return nil, err
			}
			d.OtherPersons = append(d.OtherPersons, ParseName(s))
		case 0x5F1D:
			d.FrontImage = clone(k.Value)
		case 0x5F1E:
			d.RearImage = clone(k.Value)
		case 0x5F55:
			if d.PersonalizationTime, err = parseDateTime(el, k.Value); err != nil {
				return nil, err
			}
		}
	}
	if len(d.OtherPersons) > MaxNames {
		return nil, l.at("A0").bad(nil, "more than %d names", MaxNames)
	}
	return d, nil
}

// BuildDG12 returns an EF.DG12 holding the non-zero fields of d, for tests
// and virtual chips. The personalization time is written from its UTC
// clock; the tag list is computed from the fields present (d.Tags is
// ignored) and lists 5F1A for other persons.
func BuildDG12(d DG12) []byte {
	var tags []tlv.Tag
	var parts [][]byte
	add := func(t tlv.Tag, v []byte) {
		tags = append(tags, t)
		parts = append(parts, tlv.Encode(t, v))
	}
	if d.IssuingAuthority != "" {
		add(0x5F19, []byte(d.IssuingAuthority))
	}
	if !d.DateOfIssue.IsZero() {
		add(0x5F26, appendDate(d.DateOfIssue))
	}
	if len(d.OtherPersons) > 0 {
		tags = append(tags, 0x5F1A)
		parts = append(parts, buildNameList(0x5F1A, d.OtherPersons))
	}
	if d.Endorsements != "" {
		add(0x5F1B, []byte(d.Endorsements))
	}
	if d.TaxExitRequirements != "" {
		add(0x5F1C, []byte(d.TaxExitRequirements))
	}
	if len(d.FrontImage) > 0 {
		add(0x5F1D, d.FrontImage)
	}
	if len(d.RearImage) > 0 {
		add(0x5F1E, d.RearImage)
	}
	if !d.PersonalizationTime.IsZero() {
		add(0x5F55, []byte(d.PersonalizationTime.UTC().Format("20060102150405")))
	}
	if d.PersonalizationDeviceSerial != "" {
		add(0x5F56, []byte(d.PersonalizationDeviceSerial))
	}
	list := tlv.Encode(0x5C, appendTagList(nil, tags))
	return tlv.EncodeConstructed(tlv.Tag(TagDG12), append([][]byte{list}, parts...)...)
}
