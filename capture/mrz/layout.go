package mrz

import "strconv"

// Format is an ICAO 9303 machine readable zone layout.
type Format int

// MRZ formats (ICAO 9303 parts 4–7).
const (
	// TD1 is the ID-card format: three lines of 30 characters (part 5).
	TD1 Format = iota + 1
	// TD2 is the two-line, 36-character format (part 6).
	TD2
	// TD3 is the passport format: two lines of 44 characters (part 4).
	TD3
	// MRVA is the full-size visa: two lines of 44 characters (part 7).
	MRVA
	// MRVB is the smaller visa: two lines of 36 characters (part 7).
	MRVB
)

// String returns the format's name as ICAO 9303 writes it.
func (f Format) String() string {
	switch f {
	case TD1:
		return "TD1"
	case TD2:
		return "TD2"
	case TD3:
		return "TD3"
	case MRVA:
		return "MRV-A"
	case MRVB:
		return "MRV-B"
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// MarshalText encodes the format by name.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Lines returns the number of lines of the format.
func (f Format) Lines() int {
	if f == TD1 {
		return 3
	}
	return 2
}

// Width returns the number of characters per line.
func (f Format) Width() int {
	switch f {
	case TD1:
		return 30
	case TD2, MRVB:
		return 36
	}
	return 44
}

// kind is the character class of a field.
type kind int

const (
	alpha   kind = iota + 1 // A–Z and the filler
	numeric                 // 0–9 (and the filler where the field allows it)
	alnum                   // A–Z, 0–9 and the filler
)

// span is a run of characters on one line, end exclusive.
type span struct{ line, start, end int }

// Field names, as used in problems, checks and repairs.
const (
	FieldDocumentCode   = "documentCode"
	FieldIssuingState   = "issuingState"
	FieldName           = "name"
	FieldDocumentNumber = "documentNumber"
	FieldNationality    = "nationality"
	FieldDateOfBirth    = "dateOfBirth"
	FieldSex            = "sex"
	FieldDateOfExpiry   = "dateOfExpiry"
	FieldOptionalData   = "optionalData"
	FieldOptionalData2  = "optionalData2"
	FieldComposite      = "composite"
)

type fieldSpec struct {
	name string
	at   span
	kind kind
	// check is the position of the field's check digit, if it has one.
	check *span
}

type layout struct {
	fields    []fieldSpec
	composite *span
	covers    []span // what the composite check digit covers
}

func at(line, pos int) *span { return &span{line, pos, pos + 1} }

// layoutOf returns the field positions of f (ICAO 9303 parts 4–7).
func layoutOf(f Format) layout {
	switch f {
	case TD1:
		return layout{
			fields: []fieldSpec{
				{FieldDocumentCode, span{0, 0, 2}, alpha, nil},
				{FieldIssuingState, span{0, 2, 5}, alpha, nil},
				{FieldDocumentNumber, span{0, 5, 14}, alnum, at(0, 14)},
				{FieldOptionalData, span{0, 15, 30}, alnum, nil},
				{FieldDateOfBirth, span{1, 0, 6}, numeric, at(1, 6)},
				{FieldSex, span{1, 7, 8}, alpha, nil},
				{FieldDateOfExpiry, span{1, 8, 14}, numeric, at(1, 14)},
				{FieldNationality, span{1, 15, 18}, alpha, nil},
				{FieldOptionalData2, span{1, 18, 29}, alnum, nil},
				{FieldName, span{2, 0, 30}, alpha, nil},
			},
			composite: at(1, 29),
			covers:    []span{{0, 5, 30}, {1, 0, 7}, {1, 8, 15}, {1, 18, 29}},
		}
	case TD2, MRVB, TD3, MRVA:
		w := f.Width()
		l := layout{fields: []fieldSpec{
			{FieldDocumentCode, span{0, 0, 2}, alpha, nil},
			{FieldIssuingState, span{0, 2, 5}, alpha, nil},
			{FieldName, span{0, 5, w}, alpha, nil},
			{FieldDocumentNumber, span{1, 0, 9}, alnum, at(1, 9)},
			{FieldNationality, span{1, 10, 13}, alpha, nil},
			{FieldDateOfBirth, span{1, 13, 19}, numeric, at(1, 19)},
			{FieldSex, span{1, 20, 21}, alpha, nil},
			{FieldDateOfExpiry, span{1, 21, 27}, numeric, at(1, 27)},
		}}
		switch f {
		case TD3:
			l.fields = append(l.fields, fieldSpec{FieldOptionalData, span{1, 28, 42}, alnum, at(1, 42)})
			l.composite = at(1, 43)
			l.covers = []span{{1, 0, 10}, {1, 13, 20}, {1, 21, 43}}
		case TD2:
			l.fields = append(l.fields, fieldSpec{FieldOptionalData, span{1, 28, 35}, alnum, nil})
			l.composite = at(1, 35)
			l.covers = []span{{1, 0, 10}, {1, 13, 20}, {1, 21, 35}}
		default: // visas have no composite check digit
			l.fields = append(l.fields, fieldSpec{FieldOptionalData, span{1, 28, w}, alnum, nil})
		}
		return l
	}
	return layout{}
}

// CheckDigit returns the ICAO 9303 part 3 check digit of s: characters
// valued 0–9, A=10 … Z=35 and '<'=0, weighted 7, 3, 1 repeatedly, summed
// modulo 10. It reports false if s holds another character.
func CheckDigit(s string) (byte, bool) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v, ok := charValue(s[i])
		if !ok {
			return 0, false
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), true
}

func charValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	case c == '<':
		return 0, true
	}
	return 0, false
}
