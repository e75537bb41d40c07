package dissim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/internal/tlv"
)

// LDS file tags other than the data groups.
const (
	tagCOM = 0x60
	tagSOD = 0x77
)

// chipData is parsed chip data: the raw bytes as sent, the data groups by
// number and the MRZ of DG1.
type chipData struct {
	raw    []byte
	groups map[int][]byte
	sod    bool
	mrz    *mrz.MRZ
}

// parseChip reads chip data as the simulator expects it: the LDS files
// read from the chip (EF.COM, EF.DG1…EF.DG16, EF.SOD), each a complete BER-TLV
// with its application tag, one after the other. Each file may appear once,
// and DG1 must hold a readable MRZ.
func parseChip(raw []byte) (*chipData, error) {
	c := &chipData{raw: raw, groups: map[int][]byte{}}
	rest := raw
	seen := map[byte]bool{}
	for len(rest) > 0 {
		o, next, err := tlv.Decode(rest)
		if err != nil {
			return nil, fmt.Errorf("LDS file %d: %w", len(seen)+1, err)
		}
		file := rest[:len(rest)-len(next)]
		rest = next
		if o.Tag > 0xFF {
			return nil, fmt.Errorf("tag %v is not an LDS file tag", o.Tag)
		}
		tag := byte(o.Tag)
		if seen[tag] {
			return nil, fmt.Errorf("LDS file with tag %02X appears twice", tag)
		}
		seen[tag] = true
		switch tag {
		case tagCOM:
		case tagSOD:
			c.sod = true
		default:
			dg, ok := lds.GroupOfTag(tag)
			if !ok {
				return nil, fmt.Errorf("tag %02X is not an LDS file tag", tag)
			}
			c.groups[dg] = file
		}
	}
	if dg1 := c.groups[1]; dg1 != nil {
		d, err := lds.ParseDG1(dg1)
		if d == nil {
			return nil, fmt.Errorf("EF.DG1: %w", err)
		}
		if err != nil && !errors.Is(err, mrz.ErrInvalid) {
			return nil, fmt.Errorf("EF.DG1: %w", err)
		}
		c.mrz = d.MRZ
	}
	return c, nil
}

// customerView is the Customer the API returns: the simulator does no OCR,
// so its values come from the chip (DG1's MRZ) only.
func (s *Simulator) customerView(c *customer) map[string]any {
	out := map[string]any{}
	d := c.document
	if d == nil {
		return out
	}
	doc := map[string]any{"pageTypes": []string{}, "links": map[string]any{}}
	lk := map[string]any{}
	pages := map[string]string{}
	var pts []string
	for _, p := range d.pages {
		pts = append(pts, p.PageType)
		pages[p.PageType] = customerPath(c.id) + "/document/pages/" + p.PageType
	}
	if pts != nil {
		doc["pageTypes"] = pts
		lk["pages"] = pages
	}
	if dt := d.documentType(); dt != nil {
		doc["type"] = dt
	}
	if ch := d.chip; ch != nil && ch.mrz != nil {
		m := ch.mrz
		chipVal := func(v string) map[string]string { return map[string]string{"chip": v} }
		out["surname"] = chipVal(m.Surname)
		out["givenNames"] = chipVal(m.GivenNames)
		out["fullName"] = chipVal(strings.TrimSpace(m.GivenNames + " " + m.Surname))
		out["dateOfBirth"] = chipVal(m.DateOfBirth.String())
		out["nationality"] = chipVal(strings.ToLower(m.Nationality))
		out["gender"] = chipVal(m.Sex)
		if m.OptionalData != "" && m.Format == mrz.TD3 {
			out["personalNumber"] = chipVal(m.OptionalData)
		}
		doc["documentNumber"] = chipVal(m.DocumentNumber)
		doc["dateOfExpiry"] = chipVal(m.DateOfExpiry.String())
		doc["issuingAuthority"] = chipVal(m.IssuingState)
		doc["mrz"] = mrzView(m)
		if ch.groups[2] != nil {
			lk["chipPortrait"] = customerPath(c.id) + "/document/chip/portrait"
		}
	}
	doc["links"] = lk
	out["document"] = doc
	return out
}

// mrzView is the API's Mrz object (td1, td2 or td3) of a parsed MRZ.
func mrzView(m *mrz.MRZ) map[string]any {
	yymmdd := func(d mrz.Date) string {
		if d.Year == 0 {
			return ""
		}
		return fmt.Sprintf("%02d%02d%02d", d.Year%100, d.Month, d.Day)
	}
	valid := map[string]bool{}
	for _, ch := range m.Checks {
		valid[ch.Field] = ch.OK
	}
	sex := m.Sex
	if sex == "X" {
		sex = ""
	}
	v := map[string]any{
		"documentCode": m.DocumentCode, "issuingAuthority": m.IssuingState, "surname": m.Surname,
		"givenNames": m.GivenNames, "documentNumber": m.DocumentNumber, "nationality": m.Nationality,
		"dateOfBirth": yymmdd(m.DateOfBirth), "gender": sex, "dateOfExpiry": yymmdd(m.DateOfExpiry),
	}
	cv := map[string]bool{
		"documentNumberCheckDigitValid": valid[mrz.FieldDocumentNumber],
		"dateOfBirthCheckDigitValid":    valid[mrz.FieldDateOfBirth],
		"dateOfExpiryCheckDigitValid":   valid[mrz.FieldDateOfExpiry],
		"compositeCheckDigitValid":      valid[mrz.FieldComposite],
	}
	key := "td1"
	switch m.Format {
	case mrz.TD3:
		key = "td3"
		v["personalNumberOrOptionalDataSecondLine"] = m.OptionalData
		cv["personalNumberCheckDigitValid"] = valid[mrz.FieldOptionalData] || m.OptionalData == ""
	case mrz.TD2:
		key = "td2"
		v["optionalDataSecondLine"] = m.OptionalData
	default:
		v["optionalDataFirstLine"] = m.OptionalData
		v["optionalDataSecondLine"] = m.OptionalData2
	}
	v["checkDigitsValidity"] = cv
	return map[string]any{key: v}
}
