package personapisim

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"time"
)

// identKey is an identifier value of a type.
type identKey struct{ typ, value string }

// personRec is a stored person.
type personRec struct {
	ID             string
	TS             time.Time
	Seq            uint64
	ClientID       string
	SecretHash     [32]byte
	HasSecret      bool
	Communications []Communication
	Identifiers    []Identifier
	Names          []Name
}

// idemEntry is a remembered answer to a POST with an Idempotence-Key.
type idemEntry struct {
	bodyHash [32]byte
	status   int
	answer   []byte
	expires  time.Time
}

// store is the simulator's memory; Simulator.mu guards it.
type store struct {
	persons map[string]*personRec
	idem    map[string]idemEntry
	seq     uint64

	replays, keyConflicts, dups int64
}

func newStore() store {
	return store{persons: map[string]*personRec{}, idem: map[string]idemEntry{}}
}

// tsFormat is how the registry writes timestamps (microseconds, UTC).
const tsFormat = "2006-01-02T15:04:05.000000Z"

// answer returns a deep copy of p as the API answers it.
func (p *personRec) answer() Person {
	out := Person{ID: p.ID, TS: p.TS.UTC().Format(tsFormat),
		Communications: make([]Communication, 0, len(p.Communications)),
		Identifiers:    make([]Identifier, 0, len(p.Identifiers)),
		Names:          make([]Name, 0, len(p.Names))}
	for _, c := range p.Communications {
		c.Attributes = slices.Clone(c.Attributes)
		out.Communications = append(out.Communications, c)
	}
	for _, id := range p.Identifiers {
		id.Attributes = slices.Clone(id.Attributes)
		id.Files = slices.Clone(id.Files)
		out.Identifiers = append(out.Identifiers, id)
	}
	for _, n := range p.Names {
		n.Attributes = slices.Clone(n.Attributes)
		n.Languages = slices.Clone(n.Languages)
		out.Names = append(out.Names, n)
	}
	return out
}

// idemLookup returns the live entry for key, dropping an expired one.
func (st *store) idemLookup(key string, now time.Time) (idemEntry, bool) {
	e, ok := st.idem[key]
	if ok && !now.Before(e.expires) {
		delete(st.idem, key)
		return idemEntry{}, false
	}
	return e, ok
}

// idemStore remembers an answer, sweeping expired entries now and then.
func (st *store) idemStore(key string, e idemEntry, now time.Time) {
	if len(st.idem) >= 1024 && len(st.idem)%1024 == 0 {
		for k, v := range st.idem {
			if !now.Before(v.expires) {
				delete(st.idem, k)
			}
		}
	}
	st.idem[key] = e
}

// hashBody is the digest an Idempotence-Key is bound to.
func hashBody(b []byte) [32]byte { return sha256.Sum256(b) }

// marshal encodes v; the simulator's own types always encode.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
