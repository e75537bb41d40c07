package personapisim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/capturestation/station/internal/registrysim"
)

// apiErr is an answer in the API's error model.
type apiErr struct {
	status int
	body   ErrorBody
}

func fail(status int, title string, messages ...string) *apiErr {
	return &apiErr{status: status, body: ErrorBody{Title: title, Messages: messages}}
}

func writeJSON(w http.ResponseWriter, status int, v any) { registrysim.WriteJSON(w, status, v) }

// serveAPI routes the API endpoints and logs one record per request.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &registrysim.StatusRecorder{ResponseWriter: w}
	if e := s.route(sw, r); e != nil {
		writeJSON(sw, e.status, e.body)
	}
	s.logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status, "duration", time.Since(start))
}

func (s *Simulator) route(w http.ResponseWriter, r *http.Request) *apiErr {
	method := func(allowed ...string) *apiErr {
		if slices.Contains(allowed, r.Method) {
			return nil
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return fail(http.StatusMethodNotAllowed, "method not allowed", r.URL.Path+" accepts "+strings.Join(allowed, ", "))
	}
	switch r.URL.Path {
	case TokenPath:
		return s.serveToken(w, r)
	case PersonPath:
		if e := method(http.MethodPost, http.MethodGet, http.MethodDelete); e != nil {
			return e
		}
		switch r.Method {
		case http.MethodPost:
			return s.createPerson(w, r)
		case http.MethodGet:
			return s.readPerson(w, r)
		}
		return s.deletePerson(w, r)
	case PersonIdentifierPath, PersonNamePath, PersonCommunicationPath:
		if e := method(http.MethodPut); e != nil {
			return e
		}
		return s.updateElements(w, r)
	case IdentifierTypePath:
		if e := method(http.MethodGet); e != nil {
			return e
		}
		if _, e := s.authorize(r, tokenClient, tokenPerson); e != nil {
			return e
		}
		out := make([]IdentifierType, 0, len(s.types))
		for _, t := range s.types {
			out = append(out, t.IdentifierType)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	case ClientPersonsPath:
		if e := method(http.MethodPost); e != nil {
			return e
		}
		return s.clientPersons(w, r)
	case LogPath, StateLogPath:
		if e := method(http.MethodGet); e != nil {
			return e
		}
		if _, e := s.authorize(r, tokenPerson); e != nil {
			return e
		}
		return fail(http.StatusNotImplemented, "not implemented", "the simulator keeps no change logs")
	}
	return fail(http.StatusNotFound, "not found", "no endpoint at this path")
}

// readJSON checks the content type and reads a bounded JSON body.
func (s *Simulator) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, *apiErr) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, fail(http.StatusUnsupportedMediaType, "unsupported media type", "send the body as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fail(http.StatusRequestEntityTooLarge, "request too large", fmt.Sprintf("the body exceeds %d bytes", s.cfg.MaxBodyBytes))
		}
		return nil, fail(http.StatusBadRequest, "invalid request", "the body cannot be read")
	}
	return body, nil
}

// idempotenceKey returns the validated Idempotence-Key, "" when absent.
func idempotenceKey(r *http.Request) (string, *apiErr) {
	vals := r.Header.Values(IdempotenceKeyHeader)
	if len(vals) == 0 {
		return "", nil
	}
	k := vals[0]
	if len(vals) > 1 || k == "" || len(k) > maxIdempotenceKey || strings.ContainsFunc(k, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return "", fail(http.StatusBadRequest, "invalid Idempotence-Key",
			fmt.Sprintf("send one Idempotence-Key of 1 to %d visible ASCII characters", maxIdempotenceKey))
	}
	return k, nil
}

// createPerson is POST /api/person (client token).
func (s *Simulator) createPerson(w http.ResponseWriter, r *http.Request) *apiErr {
	c, e := s.authorize(r, tokenClient)
	if e != nil {
		return e
	}
	key, e := idempotenceKey(r)
	if e != nil {
		return e
	}
	body, e := s.readJSON(w, r)
	if e != nil {
		return e
	}
	scope := c.ClientID + "\x00POST " + PersonPath + "\x00" + key
	hash := hashBody(body)
	if key != "" {
		if replayed, e := s.replay(w, scope, hash); replayed || e != nil {
			return e
		}
	}
	p, verr := s.validatePerson(body)
	if verr != nil {
		return &apiErr{status: s.cfg.ValidationStatus, body: *verr}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		// Checked again under the lock: a concurrent twin may have won.
		if replayed, e := s.replayLocked(w, scope, hash); replayed || e != nil {
			return e
		}
	}
	if e := s.checkOwnersLocked(p.Identifiers, ""); e != nil {
		return e
	}
	now := s.now()
	p.ID, p.TS, p.ClientID = uuid.NewString(), now, c.ClientID
	s.data.seq++
	p.Seq = s.data.seq
	assignIDs(p)
	s.data.persons[p.ID] = p
	answer := marshal(s.personTokens(c.ClientID, p.ID, true))
	if key != "" {
		s.data.idemStore(scope, idemEntry{bodyHash: hash, status: http.StatusOK, answer: answer, expires: now.Add(s.cfg.IdempotencyTTL)}, now)
	}
	writeRaw(w, http.StatusOK, answer)
	return nil
}

func (s *Simulator) replay(w http.ResponseWriter, scope string, hash [32]byte) (bool, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replayLocked(w, scope, hash)
}

// replayLocked answers from the idempotency store: the stored answer for
// the same body, 409 for another body.
func (s *Simulator) replayLocked(w http.ResponseWriter, scope string, hash [32]byte) (bool, *apiErr) {
	entry, ok := s.data.idemLookup(scope, s.now())
	if !ok {
		return false, nil
	}
	if entry.bodyHash != hash {
		s.data.keyConflicts++
		return false, fail(http.StatusConflict, "idempotence key conflict",
			"this Idempotence-Key was already used with a different request body; use a new key for a new request")
	}
	s.data.replays++
	writeRaw(w, entry.status, entry.answer)
	return true, nil
}

// checkOwnersLocked refuses values of unique identifier types that another
// person holds (409 with the nested model, indexes into ids).
func (s *Simulator) checkOwnersLocked(ids []Identifier, self string) *apiErr {
	held := map[identKey]bool{}
	for _, p := range s.data.persons {
		if p.ID == self {
			continue
		}
		for _, id := range p.Identifiers {
			if s.unique[id.IdentifierType] {
				held[identKey{id.IdentifierType, id.Identifier}] = true
			}
		}
	}
	var inner []ErrorBody
	for i, id := range ids {
		if held[identKey{id.IdentifierType, id.Identifier}] {
			inner = append(inner, ErrorBody{IncomingIndex: strconv.Itoa(i), Messages: []string{"identifier is already held by another person"}})
		}
	}
	if len(inner) == 0 {
		return nil
	}
	s.data.dups += int64(len(inner))
	return &apiErr{status: http.StatusConflict, body: ErrorBody{Title: "person validation failed",
		InnerErrors: []ErrorBody{*listError(kindIdentifiers, inner)}}}
}

// assignIDs gives every element without an ID a new one.
func assignIDs(p *personRec) {
	set := func(id *string) {
		if *id == "" {
			*id = uuid.NewString()
		}
	}
	for i := range p.Communications {
		set(&p.Communications[i].ID)
	}
	for i := range p.Identifiers {
		set(&p.Identifiers[i].ID)
		for j := range p.Identifiers[i].Files {
			set(&p.Identifiers[i].Files[j].ID)
		}
	}
	for i := range p.Names {
		set(&p.Names[i].ID)
	}
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// personOf returns the person of a person token, under the lock.
func (s *Simulator) personOfLocked(c Claims) (*personRec, *apiErr) {
	p, ok := s.data.persons[c.PersonID]
	if !ok {
		return nil, fail(http.StatusNotFound, "person not found", "the person of this token does not exist (deleted?)")
	}
	return p, nil
}

// readPerson is GET /api/person (person token).
func (s *Simulator) readPerson(w http.ResponseWriter, r *http.Request) *apiErr {
	c, e := s.authorize(r, tokenPerson)
	if e != nil {
		return e
	}
	s.mu.Lock()
	p, e := s.personOfLocked(c)
	var out Person
	if e == nil {
		out = p.answer()
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deletePerson is DELETE /api/person (person token); the answer is empty.
func (s *Simulator) deletePerson(w http.ResponseWriter, r *http.Request) *apiErr {
	c, e := s.authorize(r, tokenPerson)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, e := s.personOfLocked(c)
	if e != nil {
		return e
	}
	delete(s.data.persons, p.ID)
	w.WriteHeader(http.StatusOK)
	return nil
}

// updateIn is the body of PUT /api/person/{element}.
type updateIn struct {
	PersonID string            `json:"person_id"`
	Items    []json.RawMessage `json:"items"`
}

// updateElements is PUT /api/person/identifier|name|communication (person
// token): items with an id replace that element, items without one are
// added. The answer is empty.
func (s *Simulator) updateElements(w http.ResponseWriter, r *http.Request) *apiErr {
	c, e := s.authorize(r, tokenPerson)
	if e != nil {
		return e
	}
	body, e := s.readJSON(w, r)
	if e != nil {
		return e
	}
	kind := map[string]string{PersonIdentifierPath: kindIdentifiers, PersonNamePath: kindNames,
		PersonCommunicationPath: kindCommunications}[r.URL.Path]
	var in updateIn
	if msg := decodeStrict(body, &in); msg != "" {
		return &apiErr{status: s.cfg.ValidationStatus, body: ErrorBody{Title: kind + " validation failed", Messages: []string{"request body " + msg}}}
	}
	if in.PersonID != c.PersonID {
		return fail(http.StatusForbidden, "forbidden", "person_id must be the person of the token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, e := s.personOfLocked(c)
	if e != nil {
		return e
	}
	next := cur.answerRec()
	var verr *ErrorBody
	switch kind {
	case kindIdentifiers:
		var items []Identifier
		if items, verr = validateList(kind, in.Items, s.identifier); verr == nil {
			if verr = duplicateIdentifiers(items, nil); verr == nil {
				next.Identifiers, verr = merge(kind, next.Identifiers, items, func(v Identifier) string { return v.ID })
			}
			if verr == nil {
				if e := s.checkOwnersLocked(items, cur.ID); e != nil {
					e.body = *listError(kind, e.body.InnerErrors[0].InnerErrors)
					return e
				}
			}
		}
	case kindNames:
		var items []Name
		if items, verr = validateList(kind, in.Items, name); verr == nil {
			next.Names, verr = merge(kind, next.Names, items, func(v Name) string { return v.ID })
		}
	default:
		var items []Communication
		if items, verr = validateList(kind, in.Items, s.communication); verr == nil {
			next.Communications, verr = merge(kind, next.Communications, items, func(v Communication) string { return v.ID })
		}
	}
	if verr != nil {
		return &apiErr{status: s.cfg.ValidationStatus, body: *verr}
	}
	assignIDs(next)
	s.data.persons[cur.ID] = next
	w.WriteHeader(http.StatusOK)
	return nil
}

// answerRec returns a deep copy of the record.
func (p *personRec) answerRec() *personRec {
	a := p.answer()
	c := *p
	c.Communications, c.Identifiers, c.Names = a.Communications, a.Identifiers, a.Names
	return &c
}

// merge replaces the elements named by an item's id and appends the others.
func merge[T any](kind string, cur, items []T, idOf func(T) string) ([]T, *ErrorBody) {
	var inner []ErrorBody
	for i, it := range items {
		id := idOf(it)
		if id == "" {
			cur = append(cur, it)
			continue
		}
		j := slices.IndexFunc(cur, func(v T) bool { return idOf(v) == id })
		if j < 0 {
			inner = append(inner, ErrorBody{IncomingIndex: strconv.Itoa(i), Messages: []string{"id is not an element of this person"}})
			continue
		}
		cur[j] = it
	}
	if e := listError(kind, inner); e != nil {
		return nil, e
	}
	return cur, nil
}

// filterIn is the body of POST /api/client/persons.
type filterIn struct {
	Identifiers []string `json:"identifiers"`
	Limit       *int     `json:"limit"`
	Offset      int      `json:"offset"`
	Start       int64    `json:"start"`
	End         *int64   `json:"end"`
}

// ClientPersons is the answer of POST /api/client/persons.
type ClientPersons struct {
	Limit  int            `json:"limit"`
	Offset int            `json:"offset"`
	Total  int            `json:"total"`
	Start  int64          `json:"start"`
	End    int64          `json:"end"`
	Items  []ClientPerson `json:"items"`
}

// ClientPerson is a person in a client's list: identifiers without files
// or attributes.
type ClientPerson struct {
	ID          string       `json:"id"`
	TS          string       `json:"ts"`
	Identifiers []Identifier `json:"identifiers"`
}

// clientPersons is POST /api/client/persons (client token): the persons the
// client created that hold one of the identifier values, created between
// start and end (Unix seconds).
func (s *Simulator) clientPersons(w http.ResponseWriter, r *http.Request) *apiErr {
	c, e := s.authorize(r, tokenClient)
	if e != nil {
		return e
	}
	body, e := s.readJSON(w, r)
	if e != nil {
		return e
	}
	const title = "filter validation failed"
	var in filterIn
	if msg := decodeStrict(body, &in); msg != "" {
		return &apiErr{status: s.cfg.ValidationStatus, body: ErrorBody{Title: title, Messages: []string{"request body " + msg}}}
	}
	now := s.now().Unix()
	limit, end := 20, now
	if in.Limit != nil {
		limit = *in.Limit
	}
	if in.End != nil {
		end = *in.End
	}
	var msgs []string
	if len(in.Identifiers) == 0 || len(in.Identifiers) > maxItems {
		msgs = append(msgs, fmt.Sprintf("identifiers must hold 1 to %d values", maxItems))
	}
	if limit < 1 || limit > 100 {
		msgs = append(msgs, "limit must be between 1 and 100")
	}
	if in.Offset < 0 {
		msgs = append(msgs, "offset must not be negative")
	}
	if in.Start < 0 || end < in.Start {
		msgs = append(msgs, "start and end must be Unix times with start <= end")
	}
	if len(msgs) > 0 {
		return &apiErr{status: s.cfg.ValidationStatus, body: ErrorBody{Title: title, Messages: msgs}}
	}
	want := map[string]bool{}
	for _, v := range in.Identifiers {
		want[v] = true
	}
	s.mu.Lock()
	var found []*personRec
	for _, p := range s.data.persons {
		if p.ClientID != c.ClientID || p.TS.Unix() < in.Start || p.TS.Unix() > end {
			continue
		}
		if slices.ContainsFunc(p.Identifiers, func(id Identifier) bool { return want[id.Identifier] }) {
			found = append(found, p)
		}
	}
	slices.SortFunc(found, func(a, b *personRec) int { return cmp.Compare(a.Seq, b.Seq) })
	out := ClientPersons{Limit: limit, Offset: in.Offset, Total: len(found), Start: in.Start, End: end, Items: []ClientPerson{}}
	for i := in.Offset; i < len(found) && i < in.Offset+limit; i++ {
		p := found[i]
		cp := ClientPerson{ID: p.ID, TS: p.TS.UTC().Format(tsFormat), Identifiers: make([]Identifier, 0, len(p.Identifiers))}
		for _, id := range p.Identifiers {
			cp.Identifiers = append(cp.Identifiers, Identifier{ID: id.ID, Identifier: id.Identifier, IdentifierType: id.IdentifierType,
				Verified: id.Verified, DateFrom: id.DateFrom, DateTo: id.DateTo})
		}
		out.Items = append(out.Items, cp)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}
