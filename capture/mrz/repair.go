package mrz

import "sort"

// OCR confusions between letters and digits (OCR-B glyphs that differ by a
// stroke). Only these pairs are ever repaired.
func asDigit(c byte) (byte, bool) {
	switch c {
	case 'O':
		return '0', true
	case 'I':
		return '1', true
	case 'Z':
		return '2', true
	case 'S':
		return '5', true
	case 'B':
		return '8', true
	case 'G':
		return '6', true
	}
	return 0, false
}

func asLetter(c byte) (byte, bool) {
	switch c {
	case '0':
		return 'O', true
	case '1':
		return 'I', true
	case '2':
		return 'Z', true
	case '5':
		return 'S', true
	case '8':
		return 'B', true
	case '6':
		return 'G', true
	}
	return 0, false
}

func (p *parser) set(field string, line, col int, to byte, reason string) {
	from := p.rows[line][col]
	p.rows[line][col] = to
	p.m.Repairs = append(p.m.Repairs, Repair{Field: field, Line: line + 1, Column: col + 1,
		From: string(from), To: string(to), Reason: reason})
}

// repairByKind replaces digits in letter-only fields and letters in
// digit-only fields (dates, check digits) with their look-alikes.
func (p *parser) repairByKind() {
	fix := func(field string, s span, k kind) {
		for c := s.start; c < s.end; c++ {
			ch := p.rows[s.line][c]
			switch k {
			case alpha:
				if to, ok := asLetter(ch); ok {
					p.set(field, s.line, c, to, "digit in a letter field")
				}
			case numeric:
				if to, ok := asDigit(ch); ok {
					p.set(field, s.line, c, to, "letter in a digit field")
				}
			}
		}
	}
	for _, fs := range p.lay.fields {
		fix(fs.name, fs.at, fs.kind)
		if fs.check != nil {
			fix(fs.name, *fs.check, numeric)
		}
	}
	if c := p.lay.composite; c != nil {
		fix(FieldComposite, *c, numeric)
	}
}

// maxRepairPositions bounds the characters a check-digit repair considers,
// and maxRepairChanges how many of them it may change together.
const (
	maxRepairPositions = 9
	maxRepairChanges   = 3
)

// compositeHolds reports whether the composite check digit, if the format
// has one and it is a digit, matches the current characters.
func (p *parser) compositeHolds() bool {
	c := p.lay.composite
	if c == nil {
		return true
	}
	got := p.rows[c.line][c.start]
	if got < '0' || got > '9' {
		return true
	}
	var b []byte
	for _, s := range p.lay.covers {
		b = append(b, p.rows[s.line][s.start:s.end]...)
	}
	want, _ := CheckDigit(string(b))
	return want == got
}

// repairByCheckDigit fixes a letters-and-digits field whose check digit
// fails: it tries swapping confusable characters, fewest first, and keeps a
// change only if exactly one reading with that few changes satisfies the
// field's check digit and the composite one.
func (p *parser) repairByCheckDigit(fs fieldSpec) {
	row := p.rows[fs.at.line]
	field := func() string { return string(row[fs.at.start:fs.at.end]) }
	check := p.rows[fs.check.line][fs.check.start]
	if d, _ := CheckDigit(field()); d == check || check < '0' || check > '9' {
		return
	}
	type cand struct {
		col  int
		alt  byte
		conf float64
	}
	var cands []cand
	for c := fs.at.start; c < fs.at.end; c++ {
		alt, ok := asDigit(row[c])
		if !ok {
			alt, ok = asLetter(row[c])
		}
		if !ok {
			continue
		}
		conf := 0.0
		if fs.at.line < len(p.opt.Confidence) && c < len(p.opt.Confidence[fs.at.line]) {
			conf = p.opt.Confidence[fs.at.line][c]
			if conf >= p.opt.MinConfidence {
				continue
			}
		}
		cands = append(cands, cand{c, alt, conf})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].conf < cands[j].conf })
	if len(cands) > maxRepairPositions {
		cands = cands[:maxRepairPositions]
	}
	orig := append([]byte(nil), row[fs.at.start:fs.at.end]...)
	restore := func() { copy(row[fs.at.start:fs.at.end], orig) }
	for size := 1; size <= maxRepairChanges && size <= len(cands); size++ {
		var found [][]int
		var pick func(from int, chosen []int)
		pick = func(from int, chosen []int) {
			if len(found) > 1 {
				return
			}
			if len(chosen) == size {
				restore()
				for _, i := range chosen {
					row[cands[i].col] = cands[i].alt
				}
				if d, _ := CheckDigit(field()); d == check && p.compositeHolds() {
					found = append(found, append([]int(nil), chosen...))
				}
				return
			}
			for i := from; i < len(cands); i++ {
				pick(i+1, append(chosen, i))
			}
		}
		pick(0, nil)
		restore()
		switch len(found) {
		case 0:
			continue
		case 1:
			for _, i := range found[0] {
				p.set(fs.name, fs.at.line, cands[i].col, cands[i].alt, "the only reading that matches the check digit")
			}
		}
		return // ambiguous or repaired: stop at the fewest changes
	}
}
