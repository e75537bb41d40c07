package mrzpages

import (
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/capturestation/station/capture/mrz"
)

// DataPage draws the undegraded data page of the document whose MRZ is
// lines (TD1, TD2, TD3, MRV-A or MRV-B, told apart by the line count and
// length and the leading V of visas) at 300 dpi, its printed fields taken
// from the MRZ. seed varies the paper tint, the background pattern and the
// authority. It is what the simulated document camera films.
func (g *Generator) DataPage(seed uint64, lines []string) (*image.RGBA, error) {
	f, err := formatOf(lines)
	if err != nil {
		return nil, err
	}
	return g.page(rand.New(rand.NewPCG(seed, 0x70616765)), f, lines, visualZone(lines))
}

// visualZone gives the printed fields of the data page from its MRZ (none
// when it does not parse).
func visualZone(lines []string) map[string]string {
	m, _ := mrz.ParseLines(lines, mrz.Options{})
	if m == nil {
		return nil
	}
	return map[string]string{"SURNAME": m.Surname, "GIVEN NAMES": m.GivenNames, "NATIONALITY": m.Nationality,
		"DATE OF BIRTH": m.DateOfBirth.String(), "SEX": m.Sex, "DATE OF EXPIRY": m.DateOfExpiry.String()}
}

// formatOf tells the document format from the shape of its MRZ lines.
func formatOf(lines []string) (mrz.Format, error) {
	width := 0
	if len(lines) > 0 {
		width = len(lines[0])
	}
	for _, l := range lines {
		if len(l) != width {
			return 0, fmt.Errorf("mrzpages: MRZ lines of different lengths (%d and %d)", width, len(l))
		}
	}
	visa := width > 0 && lines[0][0] == 'V'
	switch {
	case len(lines) == 3 && width == 30:
		return TD1, nil
	case len(lines) == 2 && width == 36 && visa:
		return MRVB, nil
	case len(lines) == 2 && width == 36:
		return TD2, nil
	case len(lines) == 2 && width == 44 && visa:
		return MRVA, nil
	case len(lines) == 2 && width == 44:
		return TD3, nil
	}
	return 0, fmt.Errorf("mrzpages: %d MRZ lines of %d characters is no ICAO 9303 format", len(lines), width)
}
