package ocr

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/internal/testdata/mrzpages"
)

// TestCharset checks that the field classes admit every character of the
// ICAO 9303 specimens and of generated MRZs of each format, and that they
// do restrict the dates.
func TestCharset(t *testing.T) {
	mrzs := [][]string{
		{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"},
		{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"},
		{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"},
		{"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"},
		{"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		for _, f := range []mrz.Format{mrz.TD1, mrz.TD2, mrz.TD3, mrz.MRVA, mrz.MRVB} {
			mrzs = append(mrzs, mrzpages.Identity(rng, f))
		}
	}
	for _, lines := range mrzs {
		for i, line := range lines {
			for j := range len(line) {
				k := strings.IndexByte(Alphabet, line[j])
				if set := charset(len(lines), len(line), i, j); k < 0 || set&(1<<k) == 0 {
					t.Errorf("%q: %q at line %d column %d is not in its field's class %b", lines, line[j], i+1, j+1, set)
				}
			}
		}
	}
	for _, tt := range []struct{ lines, n, line, col int }{{3, 30, 1, 0}, {2, 44, 1, 13}, {2, 36, 1, 27}} {
		if set := charset(tt.lines, tt.n, tt.line, tt.col); set&letters != 0 {
			t.Errorf("charset(%d, %d, %d, %d) = %b admits letters in a date", tt.lines, tt.n, tt.line, tt.col, set)
		}
	}
}
