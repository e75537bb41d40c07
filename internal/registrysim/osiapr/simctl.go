package osiapr

import (
	"encoding/json"
	"net/http"

	"github.com/capturestation/station/internal/registrysim"
)

// Stats is the answer of GET /_sim/stats.
type Stats struct {
	Persons            int                       `json:"persons"`
	Identities         int                       `json:"identities"`
	DuplicatesRejected int64                     `json:"duplicatesRejected"`
	Requests           registrysim.RequestCounts `json:"requests"`
	Faults             registrysim.FaultCounts   `json:"faults"`
}

// DumpPerson is one person of GET /_sim/dump, with its identity documents
// in creation order.
type DumpPerson struct {
	PersonID       string            `json:"personId"`
	Status         string            `json:"status"`
	PhysicalStatus string            `json:"physicalStatus"`
	Reference      string            `json:"reference,omitempty"`
	Identities     []json.RawMessage `json:"identities"`
}

// Dump is the answer of GET /_sim/dump: every record, persons sorted by ID.
type Dump struct {
	Persons []DumpPerson `json:"persons"`
}

// Stats returns the current statistics.
func (s *Simulator) Stats() Stats {
	p, i := s.store.counts()
	return Stats{
		Persons:            p,
		Identities:         i,
		DuplicatesRejected: s.dups.n.Load(),
		Requests:           s.stats.Snapshot(),
		Faults:             s.faults.Counts(),
	}
}

// Dump returns every record.
func (s *Simulator) Dump() Dump {
	d := Dump{Persons: []DumpPerson{}}
	s.store.view(func(m map[string]*personRec) {
		for _, id := range sortedIDs(m) {
			p := m[id]
			dp := DumpPerson{PersonID: p.ID, Status: p.Status, PhysicalStatus: p.PhysicalStatus, Reference: p.Reference,
				Identities: make([]json.RawMessage, 0, len(p.Identities))}
			for _, idn := range p.Identities {
				dp.Identities = append(dp.Identities, idn.Doc)
			}
			d.Persons = append(d.Persons, dp)
		}
	})
	return d
}

// Reset deletes every record and zeroes the statistics; fault settings stay.
func (s *Simulator) Reset() error {
	if err := s.store.reset(); err != nil {
		return err
	}
	s.stats.Reset()
	s.faults.ResetCounts()
	s.dups.n.Store(0)
	return nil
}

func onlyMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	registrysim.WriteError(w, http.StatusMethodNotAllowed, r.URL.Path+" accepts "+method+" only")
	return false
}

func (s *Simulator) serveStats(w http.ResponseWriter, r *http.Request) {
	if onlyMethod(w, r, http.MethodGet) {
		registrysim.WriteJSON(w, http.StatusOK, s.Stats())
	}
}

func (s *Simulator) serveDump(w http.ResponseWriter, r *http.Request) {
	if onlyMethod(w, r, http.MethodGet) {
		registrysim.WriteJSON(w, http.StatusOK, s.Dump())
	}
}

func (s *Simulator) serveReset(w http.ResponseWriter, r *http.Request) {
	if !onlyMethod(w, r, http.MethodPost) {
		return
	}
	if err := s.Reset(); err != nil {
		registrysim.WriteError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
