package mrz

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors, wrapped by *Error.
var (
	// ErrFormat means the text is not an MRZ: wrong number or length of
	// lines, or characters outside A–Z, 0–9 and '<'. Nothing is returned.
	ErrFormat = errors.New("mrz: not a machine readable zone")
	// ErrInvalid means the MRZ was read but a check digit, date, code or
	// other field is wrong. The parsed MRZ is returned with the error.
	ErrInvalid = errors.New("mrz: invalid machine readable zone")
)

// Problem is one thing wrong with an MRZ.
type Problem struct {
	Field string `json:"field,omitempty"`
	// Line and Column are 1-based; 0 when the problem is not at one place.
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Field != "" {
		b.WriteString(p.Field)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ", column %d", p.Column)
		}
		b.WriteString(")")
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists what is wrong with an MRZ. It wraps ErrFormat or ErrInvalid.
type Error struct {
	Kind     error
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return e.Kind.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns ErrFormat or ErrInvalid.
func (e *Error) Unwrap() error { return e.Kind }

// Date is an MRZ date. Month or Day is 0 when the document leaves it
// unknown ('<<', allowed in dates of birth).
type Date struct {
	Year, Month, Day int
}

// String returns YYYY-MM-DD, with XX for an unknown month or day.
func (d Date) String() string {
	if d.Year == 0 {
		return ""
	}
	part := func(v int) string {
		if v == 0 {
			return "XX"
		}
		return fmt.Sprintf("%02d", v)
	}
	return fmt.Sprintf("%04d-%s-%s", d.Year, part(d.Month), part(d.Day))
}

// MarshalText encodes the date as String does.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Check is the outcome of one check digit.
type Check struct {
	Field string `json:"field"`
	// Want is the digit computed from the data, Got the one in the MRZ.
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
}

// Repair is one character changed by ParseLines with Options.Repair.
type Repair struct {
	Field  string `json:"field"`
	Line   int    `json:"line"`   // 1-based
	Column int    `json:"column"` // 1-based
	From   string `json:"from"`
	To     string `json:"to"`
	// Reason says which rule chose the character.
	Reason string `json:"reason"`
}

// MRZ is a parsed machine readable zone. Names have fillers turned into
// spaces; codes and numbers have trailing fillers removed.
type MRZ struct {
	Format Format   `json:"format"`
	Lines  []string `json:"lines"` // after repairs
	// DocumentCode is the document type, e.g. P, PO, ID, I, AC, V.
	DocumentCode   string `json:"documentCode"`
	IssuingState   string `json:"issuingState"`
	Surname        string `json:"surname"`
	GivenNames     string `json:"givenNames"`
	NameTruncated  bool   `json:"nameTruncated,omitempty"`
	DocumentNumber string `json:"documentNumber"`
	Nationality    string `json:"nationality"`
	DateOfBirth    Date   `json:"dateOfBirth"`
	// Sex is M, F or X (unspecified, '<' in the MRZ).
	Sex          string `json:"sex"`
	DateOfExpiry Date   `json:"dateOfExpiry"`
	// OptionalData is the personal number of a TD3, or the first optional
	// data element of other formats; OptionalData2 is TD1's second one.
	OptionalData  string `json:"optionalData,omitempty"`
	OptionalData2 string `json:"optionalData2,omitempty"`

	Checks   []Check   `json:"checks"`
	Repairs  []Repair  `json:"repairs,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	// Valid is true when every check digit, date and code is right.
	Valid bool `json:"valid"`
}

// Options change how ParseLines reads an MRZ.
type Options struct {
	// Now decides the century of two-digit years; time.Now when zero.
	Now time.Time
	// Repair fixes characters OCR confuses (0/O, 1/I, 2/Z, 5/S, 8/B, 6/G):
	// by field type where a field allows only letters or only digits, and by
	// the check digits in fields that allow both, when exactly one reading
	// is consistent. Every change is listed in MRZ.Repairs.
	Repair bool
	// Confidence optionally gives the OCR confidence (0–1) of each
	// character, per line; with it, check-digit repairs consider only
	// characters below MinConfidence.
	Confidence [][]float64
	// MinConfidence is the confidence below which a character may be
	// repaired by check digit (default 0.75).
	MinConfidence float64
}

// MaxInput bounds the text given to Parse and SplitLines.
const MaxInput = 4096

// SplitLines splits MRZ text on newlines or '|', trims spaces and drops
// empty lines. Letters are upper-cased.
func SplitLines(text string) []string {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	f := func(r rune) bool { return r == '\n' || r == '\r' || r == '|' }
	var out []string
	for _, l := range strings.FieldsFunc(text, f) {
		l = strings.ToUpper(strings.TrimSpace(l))
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Parse reads MRZ text (lines separated by newlines or '|') without repairs.
func Parse(text string) (*MRZ, error) {
	return ParseLines(SplitLines(text), Options{})
}

// ParseLines reads the lines of an MRZ. A text that is not an MRZ gives a
// nil MRZ and an error wrapping ErrFormat; an MRZ with wrong check digits,
// dates or codes is returned with an error wrapping ErrInvalid.
func ParseLines(lines []string, opt Options) (*MRZ, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.MinConfidence <= 0 {
		opt.MinConfidence = 0.75
	}
	f, problems := detect(lines)
	if len(problems) > 0 {
		return nil, &Error{Kind: ErrFormat, Problems: problems}
	}
	p := &parser{f: f, lay: layoutOf(f), opt: opt, m: &MRZ{Format: f}}
	for _, l := range lines {
		p.rows = append(p.rows, []byte(l))
	}
	if opt.Repair {
		p.repairByKind()
	}
	p.fields()
	p.m.Lines = make([]string, len(p.rows))
	for i, r := range p.rows {
		p.m.Lines[i] = string(r)
	}
	p.m.Valid = len(p.m.Problems) == 0
	if !p.m.Valid {
		return p.m, &Error{Kind: ErrInvalid, Problems: p.m.Problems}
	}
	return p.m, nil
}

// detect finds the format from the number and length of the lines.
func detect(lines []string) (Format, []Problem) {
	var f Format
	switch {
	case len(lines) == 3:
		f = TD1
	case len(lines) == 2 && len(lines[0]) == 44:
		f = TD3
	case len(lines) == 2 && len(lines[0]) == 36:
		f = TD2
	case len(lines) == 2:
		return 0, []Problem{{Line: 1, Message: fmt.Sprintf("has %d characters; two-line MRZs have 36 (TD2, MRV-B) or 44 (TD3, MRV-A)", len(lines[0]))}}
	default:
		return 0, []Problem{{Message: fmt.Sprintf("%d lines; an MRZ has 2 (TD2, TD3, visas) or 3 (TD1)", len(lines))}}
	}
	if lines[0][0] == 'V' {
		switch f {
		case TD3:
			f = MRVA
		case TD2:
			f = MRVB
		}
	}
	var problems []Problem
	for i, l := range lines {
		if len(l) != f.Width() {
			problems = append(problems, Problem{Line: i + 1, Message: fmt.Sprintf("has %d characters; %s lines have %d", len(l), f, f.Width())})
			continue
		}
		for j := 0; j < len(l); j++ {
			if _, ok := charValue(l[j]); !ok {
				problems = append(problems, Problem{Line: i + 1, Column: j + 1, Message: fmt.Sprintf("character %q is not A-Z, 0-9 or '<'", l[j])})
				break
			}
		}
	}
	return f, problems
}

type parser struct {
	f    Format
	lay  layout
	opt  Options
	rows [][]byte
	m    *MRZ
}

func (p *parser) text(s span) string { return string(p.rows[s.line][s.start:s.end]) }

func (p *parser) problem(field string, s *span, format string, args ...any) {
	pr := Problem{Field: field, Message: fmt.Sprintf(format, args...)}
	if s != nil {
		pr.Line, pr.Column = s.line+1, s.start+1
	}
	p.m.Problems = append(p.m.Problems, pr)
}

// fields extracts and validates every field.
func (p *parser) fields() {
	spec := map[string]fieldSpec{}
	for _, fs := range p.lay.fields {
		spec[fs.name] = fs
	}
	get := func(name string) string { return p.text(spec[name].at) }
	trim := func(s string) string { return strings.TrimRight(s, "<") }

	// Document code.
	code := get(FieldDocumentCode)
	p.m.DocumentCode = trim(code)
	want := map[Format]string{TD1: "ACI", TD2: "ACI", TD3: "P", MRVA: "V", MRVB: "V"}[p.f]
	if !strings.ContainsRune(want, rune(code[0])) {
		p.problem(FieldDocumentCode, &span{0, 0, 1}, "%q is not a %s document code (first letter %s)", code, p.f, strings.Join(strings.Split(want, ""), ", "))
	} else if c := code[1]; !(c == '<' || (c >= 'A' && c <= 'Z')) {
		p.problem(FieldDocumentCode, &span{0, 1, 2}, "second character %q must be a letter or '<'", c)
	}

	p.m.IssuingState = p.country(FieldIssuingState, spec[FieldIssuingState].at)
	p.m.Nationality = p.country(FieldNationality, spec[FieldNationality].at)
	p.name(spec[FieldName].at)
	p.documentNumber(spec)
	p.m.DateOfBirth = p.date(spec[FieldDateOfBirth], true)
	p.m.DateOfExpiry = p.date(spec[FieldDateOfExpiry], false)
	if b, e := p.m.DateOfBirth, p.m.DateOfExpiry; b.Year != 0 && e.Year != 0 && e.Year < b.Year {
		p.problem(FieldDateOfExpiry, nil, "expires (%s) before the date of birth (%s)", e, b)
	}

	sexAt := spec[FieldSex].at
	switch s := get(FieldSex); s {
	case "M", "F":
		p.m.Sex = s
	case "<", "X":
		p.m.Sex = "X"
	default:
		p.problem(FieldSex, &sexAt, "%q is not M, F, X or '<'", s)
	}

	if p.m.OptionalData == "" {
		p.m.OptionalData = trim(get(FieldOptionalData))
	}
	if fs, ok := spec[FieldOptionalData2]; ok {
		p.m.OptionalData2 = trim(p.text(fs.at))
	}
	if fs := spec[FieldOptionalData]; fs.check != nil { // TD3 personal number
		if p.opt.Repair {
			p.repairByCheckDigit(fs)
		}
		p.checkFillable(FieldOptionalData, get(FieldOptionalData), *fs.check)
	}
	if c := p.lay.composite; c != nil {
		var b strings.Builder
		for _, s := range p.lay.covers {
			b.WriteString(p.text(s))
		}
		p.checkDigit(FieldComposite, b.String(), *c)
	}
}

// country reads an issuing state or nationality code.
func (p *parser) country(field string, s span) string {
	code := strings.TrimRight(p.text(s), "<")
	if _, ok := CountryName(code); !ok {
		p.problem(field, &s, "%q is not a country or organization code of ICAO 9303 part 3", p.text(s))
	}
	return code
}

// name splits the name field into primary and secondary identifiers.
func (p *parser) name(s span) {
	raw := p.text(s)
	for i := 0; i < len(raw); i++ {
		if raw[i] >= '0' && raw[i] <= '9' {
			p.problem(FieldName, &span{s.line, s.start + i, s.start + i + 1}, "digit %q in the name", raw[i])
			return
		}
	}
	p.m.NameTruncated = raw[len(raw)-1] != '<'
	primary, secondary, _ := strings.Cut(strings.TrimRight(raw, "<"), "<<")
	clean := func(v string) string {
		return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '<' }), " ")
	}
	p.m.Surname, p.m.GivenNames = clean(primary), clean(secondary)
	if p.m.Surname == "" {
		p.problem(FieldName, &s, "no primary identifier (surname)")
	}
}

// documentNumber reads the document number and its check digit, including
// TD1 and TD2 numbers longer than nine characters, whose check digit
// position holds '<' and whose rest continues in the optional data.
func (p *parser) documentNumber(spec map[string]fieldSpec) {
	fs := spec[FieldDocumentNumber]
	number := p.text(fs.at)
	check := *fs.check
	opt := spec[FieldOptionalData]
	if (p.f == TD1 || p.f == TD2) && p.rows[check.line][check.start] == '<' && p.rows[opt.at.line][opt.at.start] != '<' {
		ext := strings.SplitN(p.text(opt.at), "<", 2)[0]
		if len(ext) < 2 {
			p.problem(FieldDocumentNumber, &opt.at, "long document number has no check digit after its last characters")
			return
		}
		full := number + ext[:len(ext)-1]
		p.m.DocumentNumber = full
		p.m.OptionalData = strings.TrimRight(strings.TrimPrefix(p.text(opt.at)[len(ext):], "<"), "<")
		p.checkDigit(FieldDocumentNumber, full, span{opt.at.line, opt.at.start + len(ext) - 1, opt.at.start + len(ext)})
		return
	}
	if p.opt.Repair {
		p.repairByCheckDigit(fs)
		number = p.text(fs.at)
	}
	p.m.DocumentNumber = strings.TrimRight(number, "<")
	if p.m.DocumentNumber == "" {
		p.problem(FieldDocumentNumber, &fs.at, "empty")
	}
	p.checkDigit(FieldDocumentNumber, number, check)
}

// checkFillable checks a field whose check digit may be '<' when the field
// is all fillers (TD3 personal number).
func (p *parser) checkFillable(field, value string, at span) {
	if strings.Trim(value, "<") == "" && p.rows[at.line][at.start] == '<' {
		p.m.Checks = append(p.m.Checks, Check{Field: field, Want: "<", Got: "<", OK: true})
		return
	}
	p.checkDigit(field, value, at)
}

func (p *parser) checkDigit(field, value string, at span) {
	want, _ := CheckDigit(value)
	got := p.rows[at.line][at.start]
	ok := got == want
	p.m.Checks = append(p.m.Checks, Check{Field: field, Want: string(want), Got: string(got), OK: ok})
	if !ok {
		p.problem(field, &at, "check digit is %q, the data gives %q", got, want)
	}
}

// date reads a YYMMDD date and checks its check digit.
func (p *parser) date(fs fieldSpec, birth bool) Date {
	raw := p.text(fs.at)
	p.checkDigit(fs.name, raw, *fs.check)
	num := func(s string) (int, bool) {
		if s == "<<" && birth {
			return 0, true
		}
		if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
			return 0, false
		}
		return int(s[0]-'0')*10 + int(s[1]-'0'), true
	}
	yy, okY := num(raw[0:2])
	mm, okM := num(raw[2:4])
	dd, okD := num(raw[4:6])
	if raw[0:2] == "<<" || !okY || !okM || !okD {
		p.problem(fs.name, &fs.at, "%q is not a date (YYMMDD)", raw)
		return Date{}
	}
	year := 2000 + yy
	now := p.opt.Now
	if birth {
		if year > now.Year() || (year == now.Year() && (mm > int(now.Month()) || (mm == int(now.Month()) && dd > now.Day()))) {
			year -= 100
		}
	} else if year > now.Year()+50 {
		year -= 100
	}
	if mm > 12 || (mm == 0 && dd != 0) {
		p.problem(fs.name, &fs.at, "%q has no month %02d", raw, mm)
		return Date{}
	}
	if dd != 0 {
		last := 31
		if mm != 0 {
			last = time.Date(year, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		}
		if dd > last {
			p.problem(fs.name, &fs.at, "%q: day %d does not exist in %04d-%02d", raw, dd, year, mm)
			return Date{}
		}
	}
	if !birth && (mm == 0 || dd == 0) {
		p.problem(fs.name, &fs.at, "%q: an expiry date must be complete", raw)
		return Date{}
	}
	return Date{Year: year, Month: mm, Day: dd}
}

// RawDates returns the dates of birth and expiry as printed (YYMMDD, '<'
// for unknown parts), which is what chip access keys (BAC, PACE) use.
func (m *MRZ) RawDates() (birth, expiry string) {
	for _, fs := range layoutOf(m.Format).fields {
		if fs.at.line >= len(m.Lines) || fs.at.end > len(m.Lines[fs.at.line]) {
			continue
		}
		switch fs.name {
		case FieldDateOfBirth:
			birth = m.Lines[fs.at.line][fs.at.start:fs.at.end]
		case FieldDateOfExpiry:
			expiry = m.Lines[fs.at.line][fs.at.start:fs.at.end]
		}
	}
	return birth, expiry
}
