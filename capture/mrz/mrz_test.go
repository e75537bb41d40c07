package mrz

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, text string, opt Options) (*MRZ, error) {
	t.Helper()
	opt.Now = now
	return ParseLines(SplitLines(text), opt)
}

// ICAO 9303 specimen MRZs (parts 4, 5, 6 and 7).
const (
	specimenTD3  = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
	specimenTD1  = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	specimenTD2  = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
	specimenMRVA = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
	specimenMRVB = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"
)

func TestSpecimens(t *testing.T) {
	tests := []struct {
		name, text string
		want       MRZ
		checks     int
	}{
		{"TD3", specimenTD3, MRZ{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "L898902C3", Nationality: "UTO", DateOfBirth: Date{1974, 8, 12}, Sex: "F", DateOfExpiry: Date{2012, 4, 15},
			OptionalData: "ZE184226B"}, 5},
		{"TD1", specimenTD1, MRZ{Format: TD1, DocumentCode: "I", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "D23145890", Nationality: "UTO", DateOfBirth: Date{1974, 8, 12}, Sex: "F", DateOfExpiry: Date{2012, 4, 15}}, 4},
		{"TD2", specimenTD2, MRZ{Format: TD2, DocumentCode: "I", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "D23145890", Nationality: "UTO", DateOfBirth: Date{1974, 8, 12}, Sex: "F", DateOfExpiry: Date{2012, 4, 15}}, 4},
		{"MRV-A", specimenMRVA, MRZ{Format: MRVA, DocumentCode: "V", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "L8988901C", Nationality: "XXX", DateOfBirth: Date{1940, 9, 7}, Sex: "F", DateOfExpiry: Date{1996, 12, 10},
			OptionalData: "6ZE184226B"}, 3},
		{"MRV-B", specimenMRVB, MRZ{Format: MRVB, DocumentCode: "V", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "L8988901C", Nationality: "XXX", DateOfBirth: Date{1940, 9, 7}, Sex: "F", DateOfExpiry: Date{1996, 12, 10}}, 3},
		{"bar separated, lower case, spaces", " p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<< | L898902C36UTO7408122F1204159ZE184226B<<<<<10 ",
			MRZ{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
				DocumentNumber: "L898902C3", Nationality: "UTO", DateOfBirth: Date{1974, 8, 12}, Sex: "F", DateOfExpiry: Date{2012, 4, 15},
				OptionalData: "ZE184226B"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse(t, tt.text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := *m
			if !got.Valid || len(got.Checks) != tt.checks || len(got.Repairs) != 0 {
				t.Fatalf("valid %v, %d checks (want %d), repairs %v", got.Valid, len(got.Checks), tt.checks, got.Repairs)
			}
			got.Lines, got.Checks, got.Valid = nil, nil, false
			if got.Format != tt.want.Format || got.DocumentCode != tt.want.DocumentCode || got.IssuingState != tt.want.IssuingState ||
				got.Surname != tt.want.Surname || got.GivenNames != tt.want.GivenNames || got.DocumentNumber != tt.want.DocumentNumber ||
				got.Nationality != tt.want.Nationality || got.DateOfBirth != tt.want.DateOfBirth || got.Sex != tt.want.Sex ||
				got.DateOfExpiry != tt.want.DateOfExpiry || got.OptionalData != tt.want.OptionalData || got.NameTruncated {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// build fills check digits into an MRZ template whose check positions hold '?'.
func build(t *testing.T, f Format, lines ...string) string {
	t.Helper()
	rows := make([][]byte, len(lines))
	for i, l := range lines {
		rows[i] = []byte(l)
	}
	lay := layoutOf(f)
	fill := func(s span, value string) {
		if rows[s.line][s.start] == '?' {
			d, _ := CheckDigit(value)
			rows[s.line][s.start] = d
		}
	}
	txt := func(s span) string { return string(rows[s.line][s.start:s.end]) }
	for _, fs := range lay.fields {
		if fs.check != nil {
			fill(*fs.check, txt(fs.at))
		}
	}
	if lay.composite != nil {
		var b strings.Builder
		for _, s := range lay.covers {
			b.WriteString(txt(s))
		}
		fill(*lay.composite, b.String())
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r)
	}
	return strings.Join(out, "\n")
}

func TestLongDocumentNumber(t *testing.T) {
	ext := "ABC12"
	d, _ := CheckDigit("D23145890" + ext)
	line1 := "I<UTOD23145890<" + ext + string(d) + "<OPT4<<<<<"
	text := build(t, TD1, line1[:29]+"<", "7408122F1204159UTO<<<<<<<<<<<?", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
	m, err := parse(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.DocumentNumber != "D23145890ABC12" || m.OptionalData != "OPT4" {
		t.Fatalf("number %q optional %q", m.DocumentNumber, m.OptionalData)
	}
}

func TestCentury(t *testing.T) {
	tests := []struct {
		dob, expiry string
		birth, exp  Date
	}{
		{"740812", "120415", Date{1974, 8, 12}, Date{2012, 4, 15}},
		{"200101", "300101", Date{2020, 1, 1}, Date{2030, 1, 1}},
		{"261130", "760101", Date{2026, 11, 30}, Date{2076, 1, 1}},
		{"261231", "770101", Date{1926, 12, 31}, Date{1977, 1, 1}}, // a birth date cannot be in the future
		{"74<<<<", "330101", Date{1974, 0, 0}, Date{2033, 1, 1}},   // unknown month and day
		{"7408<<", "330101", Date{1974, 8, 0}, Date{2033, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.dob, func(t *testing.T) {
			text := build(t, TD3, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
				"L898902C3?UTO"+tt.dob+"?F"+tt.expiry+"?<<<<<<<<<<<<<<<?")
			m, err := parse(t, text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.DateOfBirth != tt.birth || m.DateOfExpiry != tt.exp {
				t.Fatalf("birth %s expiry %s, want %s %s", m.DateOfBirth, m.DateOfExpiry, tt.birth, tt.exp)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	td3 := func(l1, l2 string) string { return l1 + "\n" + l2 }
	tests := []struct {
		name, text string
		kind       error
		want       string
	}{
		{"empty", "", ErrFormat, "0 lines"},
		{"one line", "P<UTOERIKSSON", ErrFormat, "1 lines"},
		{"short second line", td3(specimenTD3[:44], "L898902C36UTO7408122F1204159ZE184226B<<<<<1"), ErrFormat, "line 2"},
		{"odd width", "P<UTO\nL898902C3", ErrFormat, "36 (TD2, MRV-B) or 44"},
		{"illegal character", strings.Replace(specimenTD3, "ANNA<MARIA", "ANNA MARIA", 1), ErrFormat, "column 20"},
		{"document number check", strings.Replace(specimenTD3, "L898902C36", "L898902C37", 1), ErrInvalid, "documentNumber"},
		{"birth check", strings.Replace(specimenTD3, "7408122F", "7408123F", 1), ErrInvalid, "dateOfBirth"},
		{"expiry check", strings.Replace(specimenTD3, "1204159Z", "1204158Z", 1), ErrInvalid, "dateOfExpiry"},
		{"personal number check", strings.Replace(specimenTD3, "<<<<<10", "<<<<<20", 1), ErrInvalid, "optionalData"},
		{"composite check", strings.Replace(specimenTD3, "<<<<<10", "<<<<<11", 1), ErrInvalid, "composite"},
		{"TD1 composite", strings.Replace(specimenTD1, "<<<6", "<<<5", 1), ErrInvalid, "composite"},
		{"TD2 composite", strings.Replace(specimenTD2, "<<<6", "<<<7", 1), ErrInvalid, "composite"},
		{"month 13", build(t, TD3, specimenTD3[:44], "L898902C3?UTO741312?F120415?ZE184226B<<<<<??"), ErrInvalid, "no month 13"},
		{"30 February", build(t, TD3, specimenTD3[:44], "L898902C3?UTO740230?F120415?ZE184226B<<<<<??"), ErrInvalid, "day 30 does not exist"},
		{"29 February 2023", build(t, TD3, specimenTD3[:44], "L898902C3?UTO740812?F230229?ZE184226B<<<<<??"), ErrInvalid, "day 29"},
		{"incomplete expiry", build(t, TD3, specimenTD3[:44], "L898902C3?UTO740812?F23<<<<?ZE184226B<<<<<??"), ErrInvalid, "not a date"},
		{"expiry before birth", build(t, TD3, specimenTD3[:44], "L898902C3?UTO200101?F190101?ZE184226B<<<<<??"), ErrInvalid, "before the date of birth"},
		{"unknown state", strings.Replace(specimenTD3, "P<UTO", "P<QQQ", 1), ErrInvalid, "issuingState"},
		{"unknown nationality", build(t, TD3, specimenTD3[:44], "L898902C3?QQX740812?F120415?ZE184226B<<<<<??"), ErrInvalid, "nationality"},
		{"passport code", strings.Replace(specimenTD3, "P<UTO", "X<UTO", 1), ErrInvalid, "documentCode"},
		{"digit in name", strings.Replace(specimenTD3, "ANNA", "ANN4", 1), ErrInvalid, "digit '4' in the name"},
		{"sex", build(t, TD3, specimenTD3[:44], "L898902C3?UTO740812?Q120415?ZE184226B<<<<<??"), ErrInvalid, "sex"},
		{"no surname", strings.Replace(specimenTD3, "ERIKSSON<<", "<<<<<<<<<<", 1), ErrInvalid, "no primary identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse(t, tt.text, Options{})
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.kind, tt.want)
			}
			if (m == nil) != (tt.kind == ErrFormat) {
				t.Fatalf("MRZ returned %v with %v", m != nil, tt.kind)
			}
			if m != nil && m.Valid {
				t.Fatal("an invalid MRZ reported as valid")
			}
		})
	}
}

func TestSpecialCodes(t *testing.T) {
	for _, code := range []string{"D", "GBD", "GBN", "GBO", "GBP", "GBS", "UNO", "UNA", "UNK", "XXA", "XXB", "XXC", "XXX", "EUE", "XOM", "FRA", "UTO"} {
		if _, ok := CountryName(code); !ok {
			t.Errorf("%s not known", code)
		}
	}
	for _, code := range []string{"", "DE", "ZZZ", "GBR<"} {
		if _, ok := CountryName(code); ok {
			t.Errorf("%q accepted", code)
		}
	}
	// Germany's single-letter code, filler-padded, in a real-shaped MRZ.
	text := build(t, TD3, "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C01X00T47?D<<640812?F270131?<<<<<<<<<<<<<<<?")
	m, err := parse(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.IssuingState != "D" || m.Nationality != "D" {
		t.Fatalf("state %q nationality %q", m.IssuingState, m.Nationality)
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"L898902C3", '6'}, {"740812", '2'}, {"120415", '9'}, {"ZE184226B<<<<<", '1'}, {"D23145890", '7'}, {"<<<", '0'}, {"", '0'},
	}
	for _, tt := range tests {
		if got, ok := CheckDigit(tt.in); !ok || got != tt.want {
			t.Errorf("%q: %c, want %c", tt.in, got, tt.want)
		}
	}
	if _, ok := CheckDigit("a"); ok {
		t.Error("lower-case letter accepted")
	}
}

func TestRepair(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		opt     Options
		repairs int
		valid   bool
	}{
		{"letters in dates and check digits", strings.NewReplacer("7408122F", "74O8I22F", "1204159Z", "IZO4I59Z").Replace(specimenTD3), Options{Repair: true}, 6, true},
		{"digits in names and codes", strings.NewReplacer("ERIKSSON", "ER1K55ON", "P<UTO", "P<UT0").Replace(specimenTD3), Options{Repair: true}, 4, true},
		{"document number by check digit", strings.Replace(specimenTD3, "L898902C3", "L8989O2C3", 1), Options{Repair: true}, 1, true},
		// 8→B at column 2 and B→8 at column 4 both satisfy the check digits: no guess.
		{"ambiguous document number", strings.Replace(specimenTD3, "L898902C3", "L89B902C3", 1), Options{Repair: true}, 0, false},
		{"personal number is not repaired without a unique reading", strings.Replace(specimenTD3, "ZE184226B", "ZE1B4226B", 1), Options{Repair: true}, 0, false},
		{"confident characters are kept", strings.Replace(specimenTD3, "L898902C3", "L8989O2C3", 1), Options{Repair: true, Confidence: [][]float64{nil, allConf(44, 0.99)}}, 0, false},
		{"no repair unless asked", strings.Replace(specimenTD3, "7408122F", "74O8122F", 1), Options{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse(t, tt.text, tt.opt)
			if m == nil {
				t.Fatal(err)
			}
			if len(m.Repairs) != tt.repairs || m.Valid != tt.valid {
				t.Fatalf("%d repairs %+v, valid %v (%v); want %d, %v", len(m.Repairs), m.Repairs, m.Valid, err, tt.repairs, tt.valid)
			}
			if tt.valid && strings.Join(m.Lines, "\n") != specimenTD3 {
				t.Fatalf("repaired to %q", m.Lines)
			}
		})
	}
}

func allConf(n int, v float64) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = v
	}
	return c
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{specimenTD3, specimenTD1, specimenTD2, specimenMRVA, specimenMRVB, "P<|<"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, repair bool) {
		m, err := ParseLines(SplitLines(text), Options{Now: now, Repair: repair})
		if m == nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("no MRZ and error %v", err)
			}
			return
		}
		if m.Valid != (err == nil) {
			t.Fatalf("valid %v with error %v", m.Valid, err)
		}
		if m.Valid {
			again, err := ParseLines(m.Lines, Options{Now: now})
			if err != nil || again.DocumentNumber != m.DocumentNumber || again.DateOfBirth != m.DateOfBirth {
				t.Fatalf("a valid reading does not parse again: %v", err)
			}
		}
	})
}
