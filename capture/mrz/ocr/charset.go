package ocr

// charSet is a set of characters, bit i standing for Alphabet[i].
type charSet uint64

// Character classes of MRZ fields (ICAO 9303 part 3).
const (
	letters charSet = 1<<26 - 1         // A–Z
	digits  charSet = (1<<10 - 1) << 26 // 0–9
	filler  charSet = 1 << 36           // <
	alpha           = letters | filler  // names, codes, sex
	numeric         = digits | filler   // dates ('<' where unknown) and check digits
	anyChar         = letters | digits | filler
)

// charset returns the characters that may stand in column col of line
// line of an MRZ of lines lines of n characters: the letters-only and
// digits-only fields of ICAO 9303 parts 4–7; any character elsewhere,
// and for a size that is no ICAO format. The two-line formats of one
// width share these fields: a passport (TD3) and a full-size visa
// (MRV-A), or a TD2 document and a small visa (MRV-B), differ only after
// column 27, in fields that may hold any character.
func charset(lines, n, line, col int) charSet {
	in := func(from, to int) bool { return col >= from && col < to }
	switch {
	case lines == 3 && n == 30: // TD1
		switch line {
		case 0:
			switch {
			case in(0, 5): // document code, issuing state
				return alpha
			case in(14, 15): // document number check digit
				return numeric
			}
		case 1:
			switch {
			case in(0, 7), in(8, 15): // dates of birth and expiry, check digits
				return numeric
			case in(7, 8), in(15, 18): // sex, nationality
				return alpha
			case in(29, 30): // composite check digit
				return numeric
			}
		case 2: // name
			return alpha
		}
	case lines == 2 && (n == 36 || n == 44): // TD2, MRV-B; TD3, MRV-A
		switch line {
		case 0: // document code, issuing state, name
			return alpha
		case 1:
			switch {
			case in(9, 10), in(13, 20), in(21, 28): // check digit, dates of birth and expiry, check digits
				return numeric
			case in(10, 13), in(20, 21): // nationality, sex
				return alpha
			}
		}
	}
	return anyChar
}
