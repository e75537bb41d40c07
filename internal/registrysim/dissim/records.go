package dissim

import (
	"slices"
	"sort"
)

// LivenessSelfieRecord is one stored liveness selfie: its assertion and
// either its image or the link of the customer selfie it reuses.
type LivenessSelfieRecord struct {
	Assertion string
	Data      []byte
	Origin    string
}

// PageRecord is one stored document page.
type PageRecord struct {
	PageType string
	Data     []byte
	// AdvisedPageTypes is the page classification advice sent with it.
	AdvisedPageTypes []string
}

// StoredRecord is what POST .../store recorded for the Trust Platform.
type StoredRecord struct {
	ExternalID       string
	OnboardingStatus string
}

// DocumentRecord is a customer's document as stored.
type DocumentRecord struct {
	Advice  DocumentClassificationAdvice
	Sources []string
	Pages   []PageRecord
	// ChipData is the raw chip data as sent; nil when none was sent.
	ChipData []byte
}

// CustomerRecord is a copy of one customer, for tests and diagnostics.
type CustomerRecord struct {
	ID string
	// Selfie is the selfie image; SelfieOrigin the liveness record link it
	// was taken from, if any.
	Selfie       []byte
	SelfieOrigin string
	// LivenessCreated says whether PUT .../liveness was called.
	LivenessCreated     bool
	LivenessSelfies     []LivenessSelfieRecord
	LivenessRecords     int
	Document            *DocumentRecord
	Stored              *StoredRecord
	Inspections         int
	DocumentInspections int
}

// Customer returns a copy of the customer with the given ID.
func (s *Simulator) Customer(id string) (CustomerRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[id]
	if c == nil {
		return CustomerRecord{}, false
	}
	r := CustomerRecord{
		ID: c.id, Selfie: slices.Clone(c.selfie), SelfieOrigin: c.selfieOrigin,
		Inspections: c.inspections, DocumentInspections: c.docInspects,
	}
	if c.liveness != nil {
		r.LivenessCreated = true
		r.LivenessSelfies = slices.Clone(c.liveness.selfies)
		r.LivenessRecords = len(c.liveness.records)
	}
	if d := c.document; d != nil {
		r.Document = &DocumentRecord{Advice: d.advice, Sources: slices.Clone(d.sources), Pages: slices.Clone(d.pages)}
		if d.chip != nil {
			r.Document.ChipData = slices.Clone(d.chip.raw)
		}
	}
	if c.stored != nil {
		st := *c.stored
		r.Stored = &st
	}
	return r, true
}

// CustomerIDs returns the IDs of every customer, sorted.
func (s *Simulator) CustomerIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.customers))
	for id := range s.customers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
