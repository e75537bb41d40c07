package lds

import (
	"strings"

	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/internal/tlv"
)

// DG1 is the content of EF.DG1, the machine readable zone (ICAO 9303-10
// §4.7.1).
type DG1 struct {
	// Raw is the MRZ as stored: 88 (TD3), 90 (TD1) or 72 (TD2) characters
	// without line breaks.
	Raw string
	// MRZ is the parsed MRZ.
	MRZ *mrz.MRZ
}

// ParseDG1 parses EF.DG1: template 61 holding the MRZ characters in 5F1F,
// which it splits into lines by their number (88: two lines of 44, 90:
// three of 30, 72: two of 36) and reads with the mrz package.
//
// When the MRZ is read but a check digit, date or code is wrong, ParseDG1
// returns the DG1 together with an error that wraps mrz.ErrInvalid (and
// ErrMalformed); the mrz.Error it wraps lists the problems. Its text is not
// repeated in the error message, as it quotes personal data.
func ParseDG1(b []byte) (*DG1, error) {
	top, l, err := openFile("EF.DG1", b, tlv.Tag(TagDG1))
	if err != nil {
		return nil, err
	}
	kids, err := children(l, top)
	if err != nil {
		return nil, err
	}
	var data []byte
	var seen once
	for _, k := range kids {
		if k.Tag == 0x5F1F {
			if err := seen.first(l, k.Tag); err != nil {
				return nil, err
			}
			data = k.Value
		}
	}
	el := l.at("5F1F")
	if len(seen) == 0 {
		return nil, el.bad(nil, "mandatory element missing")
	}
	var width int
	switch len(data) {
	case 88:
		width = 44
	case 90:
		width = 30
	case 72:
		width = 36
	default:
		return nil, el.bad(nil, "MRZ has %d characters, want 88 (TD3), 90 (TD1) or 72 (TD2)", len(data))
	}
	raw := string(data)
	lines := make([]string, 0, 3)
	for i := 0; i < len(raw); i += width {
		lines = append(lines, raw[i:i+width])
	}
	m, err := mrz.ParseLines(lines, mrz.Options{})
	if m == nil {
		if err == nil {
			return nil, el.bad(nil, "MRZ could not be read")
		}
		return nil, el.bad(withheld{err}, "not a machine readable zone")
	}
	d := &DG1{Raw: raw, MRZ: m}
	if err != nil {
		return d, el.bad(withheld{err}, "MRZ fails its checks in %s", problemFields(m))
	}
	return d, nil
}

// problemFields names the MRZ fields with problems, without their values.
func problemFields(m *mrz.MRZ) string {
	var names []string
	for _, p := range m.Problems {
		name := p.Field
		if name == "" {
			name = "the MRZ"
		}
		dup := false
		for _, n := range names {
			dup = dup || n == name
		}
		if !dup {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "the MRZ"
	}
	return strings.Join(names, ", ")
}

// BuildDG1 returns an EF.DG1 holding mrzText, for tests and virtual chips.
// Line breaks (\n, \r) and '|' separators in mrzText are removed.
func BuildDG1(mrzText string) []byte {
	s := strings.NewReplacer("\n", "", "\r", "", "|", "").Replace(mrzText)
	return tlv.EncodeConstructed(tlv.Tag(TagDG1), tlv.Encode(0x5F1F, []byte(s)))
}
