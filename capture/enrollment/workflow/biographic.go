package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/mrz"
)

// SetBiographic replaces the biographic data typed on the form. Dates are
// YYYY-MM-DD, gender M, F or X, nationality a three-letter ICAO code.
func (s *Service) SetBiographic(ctx context.Context, id, actor string, b enrollment.Biographic) (Status, error) {
	if err := checkBiographic(b); err != nil {
		return Status{}, fmt.Errorf("set biographic data: %w", err)
	}
	return s.simple(ctx, id, actor, "enrollment.biographic", StageBiographic, func(d *Draft) (map[string]string, error) {
		d.Enrollment.Biographic = b
		return nil, nil
	})
}

func checkBiographic(b enrollment.Biographic) error {
	if b.DateOfBirth != "" {
		if _, err := time.Parse(time.DateOnly, b.DateOfBirth); err != nil {
			return fmt.Errorf("%w: date of birth %q: use YYYY-MM-DD", ErrInvalidInput, b.DateOfBirth)
		}
	}
	switch b.Gender {
	case "", "M", "F", "X":
	default:
		return fmt.Errorf("%w: gender %q: use M, F or X", ErrInvalidInput, b.Gender)
	}
	if b.Nationality != "" && len(b.Nationality) != 3 {
		return fmt.Errorf("%w: nationality %q: use the three-letter ICAO 9303 code", ErrInvalidInput, b.Nationality)
	}
	return nil
}

// simple runs a command that needs no device: lock, load, check the step,
// change, save with an audit entry.
func (s *Service) simple(ctx context.Context, id, actor, action string, step Stage, fn func(d *Draft) (map[string]string, error)) (Status, error) {
	unlock, err := s.lock(id)
	if err != nil {
		return Status{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if err := s.reach(d, step); err != nil {
		return Status{}, err
	}
	detail, err := fn(d)
	if err != nil {
		return Status{}, err
	}
	if err := s.commit(ctx, d, actor, action, detail); err != nil {
		return Status{}, err
	}
	return s.status(d), nil
}

// MRZResult is what a scanned MRZ gave: the parse, and the form fields it
// filled (those that were empty).
type MRZResult struct {
	Status Status   `json:"status"`
	MRZ    *mrz.MRZ `json:"mrz"`
	Filled []string `json:"filled,omitempty"`
	// Conflicts names the form fields whose typed value differs from the MRZ.
	Conflicts []string `json:"conflicts,omitempty"`
}

// ScanMRZ reads MRZ text (from a keyboard-wedge scanner or OCR; lines
// separated by newlines, '|' or carriage returns), repairs OCR confusions by
// the check digits, records the document and fills the empty biographic
// fields. It is allowed from the biographic step on: scanning the MRZ is the
// quickest way to fill the form. An MRZ with wrong check digits is kept but
// does not complete the document step.
func (s *Service) ScanMRZ(ctx context.Context, id, actor, text string) (MRZResult, error) {
	m, perr := mrz.ParseLines(mrz.SplitLines(strings.ReplaceAll(text, "|", "\n")), mrz.Options{Repair: true, Now: s.now()})
	if m == nil {
		return MRZResult{}, fmt.Errorf("scan MRZ: %w: %w", ErrInvalidInput, perr)
	}
	var res MRZResult
	st, err := s.simple(ctx, id, actor, "enrollment.mrz", StageBiographic, func(d *Draft) (map[string]string, error) {
		detail := recordMRZ(d, m, &res)
		detail["source"] = "text"
		return detail, nil
	})
	if err != nil {
		return MRZResult{}, err
	}
	res.Status = st
	return res, nil
}

// recordMRZ makes m the draft's document and fills the empty biographic
// fields from it; it returns the audit detail.
func recordMRZ(d *Draft, m *mrz.MRZ, res *MRZResult) map[string]string {
	birth, expiry := m.RawDates()
	d.MRZ = &MRZState{Lines: m.Lines, Format: m.Format.String(), Valid: m.Valid, DocumentNumber: m.DocumentNumber, Birth: birth, Expiry: expiry}
	doc := enrollment.Document{Type: documentType(m), Number: m.DocumentNumber, IssuingState: m.IssuingState,
		DateOfExpiry: mrzDate(m.DateOfExpiry), MRZ: strings.Join(m.Lines, "\n")}
	// A new scan replaces the document and forgets an earlier chip read
	// (it may belong to another document).
	d.Enrollment.Documents = []enrollment.Document{doc}
	d.Chip = nil
	d.Exceptions = without(d.Exceptions, ExceptionChip, "document")
	res.MRZ = m
	res.Filled, res.Conflicts = fillFromMRZ(&d.Enrollment.Biographic, m)
	return map[string]string{"format": m.Format.String(), "valid": fmt.Sprint(m.Valid), "repairs": fmt.Sprint(len(m.Repairs))}
}

func without(ex []Exception, kind ExceptionKind, target string) []Exception {
	out := ex[:0]
	for _, e := range ex {
		if e.Kind != kind || e.Target != target {
			out = append(out, e)
		}
	}
	return out
}

func documentType(m *mrz.MRZ) enrollment.DocumentType {
	switch {
	case strings.HasPrefix(m.DocumentCode, "P"):
		return enrollment.DocPassport
	case strings.HasPrefix(m.DocumentCode, "I"), strings.HasPrefix(m.DocumentCode, "A"), strings.HasPrefix(m.DocumentCode, "C"):
		return enrollment.DocIDCard
	}
	return enrollment.DocOther
}

// mrzDate gives YYYY-MM-DD, or "" when the day or month is unknown.
func mrzDate(d mrz.Date) string {
	if d.Year == 0 || d.Month == 0 || d.Day == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// fillFromMRZ fills the empty fields of b from m and names the filled ones
// and the ones that disagree.
func fillFromMRZ(b *enrollment.Biographic, m *mrz.MRZ) (filled, conflicts []string) {
	set := func(field string, dst *string, v string) {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
			filled = append(filled, field)
		case !strings.EqualFold(strings.TrimSpace(*dst), v):
			conflicts = append(conflicts, field)
		}
	}
	set(FieldLastName, &b.LastName, m.Surname)
	set(FieldFirstName, &b.FirstName, m.GivenNames)
	set(FieldDateOfBirth, &b.DateOfBirth, mrzDate(m.DateOfBirth))
	set(FieldGender, &b.Gender, m.Sex)
	set(FieldNationality, &b.Nationality, m.Nationality)
	return filled, conflicts
}
