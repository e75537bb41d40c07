package osiapr

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/capturestation/station/internal/registrysim"
)

// Operation IDs of pr.yaml.
const (
	opFindPersons           = "findPersons"
	opCreatePerson          = "createPerson"
	opReadPerson            = "readPerson"
	opUpdatePerson          = "updatePerson"
	opDeletePerson          = "deletePerson"
	opMergePerson           = "mergePerson"
	opReadIdentities        = "readIdentities"
	opCreateIdentity        = "createIdentity"
	opCreateIdentityWithID  = "createIdentityWithId"
	opReadIdentity          = "readIdentity"
	opUpdateIdentity        = "updateIdentity"
	opPartialUpdateIdentity = "partialUpdateIdentity"
	opDeleteIdentity        = "deleteIdentity"
	opMoveIdentity          = "moveIdentity"
	opSetIdentityStatus     = "setIdentityStatus"
	opDefineReference       = "defineReference"
	opReadReference         = "readReference"
	opReadGalleries         = "readGalleries"
	opReadGalleryContent    = "readGalleryContent"
)

// AllGalleries is the gallery ID that reads the content of every gallery.
const AllGalleries = "ALL"

// maxIDLength bounds person and identity IDs chosen by clients.
const maxIDLength = 128

// httpError is an error with the status it is answered with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

func notFoundPerson(id string) error {
	return errorf(http.StatusNotFound, "unknown person %q", id)
}

func notFoundIdentity(pid, iid string) error {
	return errorf(http.StatusNotFound, "person %q has no identity %q", pid, iid)
}

// dupCounter counts creations rejected because the ID already existed.
type dupCounter struct{ n atomic.Int64 }

func (s *Simulator) dispatch(w http.ResponseWriter, q *request) {
	var err error
	switch q.op {
	case opFindPersons:
		err = s.findPersons(w, q)
	case opCreatePerson:
		err = s.createPerson(w, q)
	case opReadPerson:
		err = s.readPerson(w, q)
	case opUpdatePerson:
		err = s.updatePerson(w, q)
	case opDeletePerson:
		err = s.deletePerson(w, q)
	case opMergePerson:
		err = s.mergePerson(w, q)
	case opReadIdentities:
		err = s.readIdentities(w, q)
	case opCreateIdentity:
		err = s.createIdentity(w, q, "")
	case opCreateIdentityWithID:
		err = s.createIdentity(w, q, q.params["identityId"])
	case opReadIdentity:
		err = s.readIdentity(w, q)
	case opUpdateIdentity:
		err = s.updateIdentity(w, q)
	case opPartialUpdateIdentity:
		err = s.patchIdentity(w, q)
	case opDeleteIdentity:
		err = s.deleteIdentity(w, q)
	case opMoveIdentity:
		err = s.moveIdentity(w, q)
	case opSetIdentityStatus:
		err = s.setIdentityStatus(w, q)
	case opDefineReference:
		err = s.defineReference(w, q)
	case opReadReference:
		err = s.readReference(w, q)
	case opReadGalleries:
		err = s.readGalleries(w, q)
	case opReadGalleryContent:
		err = s.readGalleryContent(w, q)
	default:
		err = errorf(http.StatusNotImplemented, "operation %s is not implemented by the simulator", q.op)
	}
	if err == nil {
		return
	}
	var he *httpError
	if errors.As(err, &he) {
		registrysim.WriteError(w, he.status, he.msg)
		return
	}
	s.logger.Error("operation failed", "op", q.op, "err", err)
	registrysim.WriteError(w, http.StatusInternalServerError, q.op+": "+err.Error())
}

// checkID rejects IDs a registry would not accept as keys.
func checkID(kind, id string) error {
	if id == "" || len(id) > maxIDLength {
		return errorf(http.StatusBadRequest, "%s must be 1 to %d bytes long", kind, maxIDLength)
	}
	for _, r := range id {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '/' || r == unicode.ReplacementChar {
			return errorf(http.StatusBadRequest, "%s must not contain spaces, control characters or '/'", kind)
		}
	}
	return nil
}

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate identity ID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func decodeObject(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, errorf(http.StatusBadRequest, "request body must be a JSON object: %v", err)
	}
	if m == nil {
		return nil, errorf(http.StatusBadRequest, "request body must be a JSON object, not null")
	}
	return m, nil
}

func (s *Simulator) timestamp() string { return s.now().UTC().Format(time.RFC3339Nano) }

// ---- persons ----

type personBody struct {
	PersonID       string `json:"personId,omitempty"`
	Status         string `json:"status"`
	PhysicalStatus string `json:"physicalStatus"`
}

func parsePerson(body []byte) (personBody, error) {
	p := personBody{Status: "ACTIVE", PhysicalStatus: "ALIVE"}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, errorf(http.StatusBadRequest, "request body must be a Person object: %v", err)
	}
	return p, nil
}

func (s *Simulator) createPerson(w http.ResponseWriter, q *request) error {
	id := q.params["personId"]
	if err := checkID("personId", id); err != nil {
		return err
	}
	p, err := parsePerson(q.body)
	if err != nil {
		return err
	}
	err = s.store.update(func(t *txn) error {
		if _, exists := t.get(id); exists {
			s.dups.n.Add(1)
			return errorf(http.StatusConflict, "person %q already exists", id)
		}
		t.put(&personRec{ID: id, Status: p.Status, PhysicalStatus: p.PhysicalStatus, Seq: t.nextSeq()})
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (s *Simulator) readPerson(w http.ResponseWriter, q *request) error {
	id := q.params["personId"]
	var out *personBody
	s.store.view(func(m map[string]*personRec) {
		if p, ok := m[id]; ok {
			out = &personBody{PersonID: p.ID, Status: p.Status, PhysicalStatus: p.PhysicalStatus}
		}
	})
	if out == nil {
		return notFoundPerson(id)
	}
	registrysim.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Simulator) updatePerson(w http.ResponseWriter, q *request) error {
	id := q.params["personId"]
	b, err := parsePerson(q.body)
	if err != nil {
		return err
	}
	err = s.store.update(func(t *txn) error {
		p, ok := t.get(id)
		if !ok {
			return notFoundPerson(id)
		}
		p.Status, p.PhysicalStatus = b.Status, b.PhysicalStatus
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Simulator) deletePerson(w http.ResponseWriter, q *request) error {
	id := q.params["personId"]
	err := s.store.update(func(t *txn) error {
		if _, ok := t.get(id); !ok {
			return notFoundPerson(id)
		}
		t.del(id)
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Simulator) mergePerson(w http.ResponseWriter, q *request) error {
	tid, sid := q.params["personIdTarget"], q.params["personIdSource"]
	if tid == sid {
		return errorf(http.StatusBadRequest, "cannot merge person %q into itself", tid)
	}
	err := s.store.update(func(t *txn) error {
		target, ok := t.get(tid)
		if !ok {
			return notFoundPerson(tid)
		}
		source, ok := t.get(sid)
		if !ok {
			return notFoundPerson(sid)
		}
		for _, idn := range source.Identities {
			if _, dup := target.identity(idn.ID); dup {
				return errorf(http.StatusConflict, "identity %q exists in both persons; nothing was merged", idn.ID)
			}
		}
		target.Identities = append(target.Identities, source.Identities...)
		if target.Reference == "" {
			target.Reference = source.Reference
		}
		t.del(sid)
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- identities ----

// identitySchema returns the Identity schema of pr.yaml.
func (s *Simulator) identitySchema() *openapi3.Schema {
	return s.doc.Components.Schemas["Identity"].Value
}

func (s *Simulator) createIdentity(w http.ResponseWriter, q *request, iid string) error {
	pid := q.params["personId"]
	withID := iid != ""
	if withID {
		if err := checkID("identityId", iid); err != nil {
			return err
		}
	} else {
		var err error
		if iid, err = newID(); err != nil {
			return err
		}
	}
	doc, err := decodeObject(q.body)
	if err != nil {
		return err
	}
	now := s.timestamp()
	doc["identityId"], doc["createdDate"], doc["updatedDate"] = iid, now, now
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode identity: %w", err)
	}
	err = s.store.update(func(t *txn) error {
		p, ok := t.get(pid)
		if !ok {
			return notFoundPerson(pid)
		}
		if _, dup := p.identity(iid); dup {
			s.dups.n.Add(1)
			return errorf(http.StatusConflict, "person %q already has identity %q", pid, iid)
		}
		p.Identities = append(p.Identities, identityRec{ID: iid, Doc: raw})
		return nil
	})
	if err != nil {
		return err
	}
	if withID {
		w.WriteHeader(http.StatusCreated)
		return nil
	}
	registrysim.WriteJSON(w, http.StatusOK, map[string]string{"identityId": iid})
	return nil
}

func (s *Simulator) readIdentities(w http.ResponseWriter, q *request) error {
	pid := q.params["personId"]
	var docs []json.RawMessage
	found := false
	s.store.view(func(m map[string]*personRec) {
		p, ok := m[pid]
		if !ok {
			return
		}
		found = true
		docs = make([]json.RawMessage, 0, len(p.Identities))
		for _, idn := range p.Identities {
			docs = append(docs, idn.Doc)
		}
	})
	if !found {
		return notFoundPerson(pid)
	}
	registrysim.WriteJSON(w, http.StatusOK, docs)
	return nil
}

func (s *Simulator) findIdentity(pid, iid string) (json.RawMessage, error) {
	var doc json.RawMessage
	var err error
	s.store.view(func(m map[string]*personRec) {
		p, ok := m[pid]
		if !ok {
			err = notFoundPerson(pid)
			return
		}
		i, ok := p.identity(iid)
		if !ok {
			err = notFoundIdentity(pid, iid)
			return
		}
		doc = p.Identities[i].Doc
	})
	return doc, err
}

func (s *Simulator) readIdentity(w http.ResponseWriter, q *request) error {
	doc, err := s.findIdentity(q.params["personId"], q.params["identityId"])
	if err != nil {
		return err
	}
	writeRaw(w, doc)
	return nil
}

func writeRaw(w http.ResponseWriter, doc json.RawMessage) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// replaceIdentity runs change on the decoded stored document of an identity
// and stores the result, keeping identityId and createdDate and setting
// updatedDate.
func (s *Simulator) replaceIdentity(pid, iid string, change func(old map[string]any) (map[string]any, error)) error {
	return s.store.update(func(t *txn) error {
		p, ok := t.get(pid)
		if !ok {
			return notFoundPerson(pid)
		}
		i, ok := p.identity(iid)
		if !ok {
			return notFoundIdentity(pid, iid)
		}
		var old map[string]any
		if err := json.Unmarshal(p.Identities[i].Doc, &old); err != nil {
			return fmt.Errorf("stored identity is corrupt: %w", err)
		}
		doc, err := change(old)
		if err != nil {
			return err
		}
		doc["identityId"] = iid
		doc["createdDate"] = old["createdDate"]
		doc["updatedDate"] = s.timestamp()
		raw, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("encode identity: %w", err)
		}
		p.Identities[i] = identityRec{ID: iid, Doc: raw}
		return nil
	})
}

func (s *Simulator) updateIdentity(w http.ResponseWriter, q *request) error {
	doc, err := decodeObject(q.body)
	if err != nil {
		return err
	}
	err = s.replaceIdentity(q.params["personId"], q.params["identityId"], func(map[string]any) (map[string]any, error) {
		return doc, nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchIdentity applies an RFC 7396 merge patch. pr.yaml gives the Identity
// schema for the patch, whose required members a partial document lacks, so
// the patch's non-null members are checked against Identity without its
// top-level required list, and the merged document against full Identity.
func (s *Simulator) patchIdentity(w http.ResponseWriter, q *request) error {
	if ct := q.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
			return errorf(http.StatusUnsupportedMediaType, "a merge patch must be sent as application/json or application/merge-patch+json")
		}
	}
	var patch any
	if err := json.Unmarshal(q.body, &patch); err != nil {
		return errorf(http.StatusBadRequest, "request body must be a JSON merge patch object: %v", err)
	}
	pm, ok := patch.(map[string]any)
	if !ok {
		return errorf(http.StatusBadRequest, "request body must be a JSON object (a partial Identity)")
	}
	partial := *s.identitySchema()
	partial.Required = nil
	if err := partial.VisitJSON(pruneNulls(pm), openapi3.VisitAsRequest(), openapi3.EnableFormatValidation()); err != nil {
		return errorf(http.StatusBadRequest, "request body: %s", schemaReason(err))
	}
	err := s.replaceIdentity(q.params["personId"], q.params["identityId"], func(old map[string]any) (map[string]any, error) {
		merged, _ := mergePatch(old, pm).(map[string]any)
		delete(merged, "updatedDate")
		if err := s.identitySchema().VisitJSON(merged, openapi3.VisitAsResponse(), openapi3.EnableFormatValidation()); err != nil {
			return nil, errorf(http.StatusBadRequest, "patched identity would not be valid: %s", schemaReason(err))
		}
		return merged, nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func schemaReason(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		msg := se.Reason
		if p := se.JSONPointer(); len(p) > 0 {
			msg += " at /" + strings.Join(p, "/")
		}
		return msg
	}
	return err.Error()
}

func (s *Simulator) deleteIdentity(w http.ResponseWriter, q *request) error {
	pid, iid := q.params["personId"], q.params["identityId"]
	err := s.store.update(func(t *txn) error {
		p, ok := t.get(pid)
		if !ok {
			return notFoundPerson(pid)
		}
		i, ok := p.identity(iid)
		if !ok {
			return notFoundIdentity(pid, iid)
		}
		p.Identities = slices.Delete(p.Identities, i, i+1)
		if p.Reference == iid {
			p.Reference = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Simulator) moveIdentity(w http.ResponseWriter, q *request) error {
	tid, sid, iid := q.params["personIdTarget"], q.params["personIdSource"], q.params["identityId"]
	err := s.store.update(func(t *txn) error {
		target, ok := t.get(tid)
		if !ok {
			return notFoundPerson(tid)
		}
		source, ok := t.get(sid)
		if !ok {
			return notFoundPerson(sid)
		}
		i, ok := source.identity(iid)
		if !ok {
			return notFoundIdentity(sid, iid)
		}
		if _, dup := target.identity(iid); dup {
			return errorf(http.StatusConflict, "person %q already has identity %q; nothing was moved", tid, iid)
		}
		target.Identities = append(target.Identities, source.Identities[i])
		source.Identities = slices.Delete(source.Identities, i, i+1)
		if source.Reference == iid {
			source.Reference = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// identityStatuses are the values of Identity.status in pr.yaml.
var identityStatuses = []string{"CLAIMED", "VALID", "INVALID", "REVOKED"}

func (s *Simulator) setIdentityStatus(w http.ResponseWriter, q *request) error {
	status := q.r.URL.Query().Get("status")
	if !slices.Contains(identityStatuses, status) {
		return errorf(http.StatusBadRequest, "query parameter \"status\" must be one of %s", strings.Join(identityStatuses, ", "))
	}
	err := s.replaceIdentity(q.params["personId"], q.params["identityId"], func(old map[string]any) (map[string]any, error) {
		old["status"] = status
		return old, nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- reference ----

func (s *Simulator) defineReference(w http.ResponseWriter, q *request) error {
	pid, iid := q.params["personId"], q.params["identityId"]
	err := s.store.update(func(t *txn) error {
		p, ok := t.get(pid)
		if !ok {
			return notFoundPerson(pid)
		}
		if _, ok := p.identity(iid); !ok {
			return notFoundIdentity(pid, iid)
		}
		p.Reference = iid
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Simulator) readReference(w http.ResponseWriter, q *request) error {
	pid := q.params["personId"]
	var doc json.RawMessage
	var err error
	s.store.view(func(m map[string]*personRec) {
		p, ok := m[pid]
		if !ok {
			err = notFoundPerson(pid)
			return
		}
		i, ok := p.identity(p.Reference)
		if p.Reference == "" || !ok {
			err = errorf(http.StatusNotFound, "person %q has no reference identity", pid)
			return
		}
		doc = p.Identities[i].Doc
	})
	if err != nil {
		return err
	}
	writeRaw(w, doc)
	return nil
}

// ---- queries and galleries ----

// hit is one item of a query or gallery answer.
type hit struct {
	PersonID   string `json:"personId"`
	IdentityID string `json:"identityId,omitempty"`
}

// pageParams reads offset and limit (already type-checked by validation).
func pageParams(q *request, defaultLimit int) (offset, limit int, err error) {
	v := q.r.URL.Query()
	offset, limit = 0, defaultLimit
	if s := v.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, errorf(http.StatusBadRequest, "query parameter \"offset\" must be a non-negative integer")
		}
	}
	if s := v.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 0 {
			return 0, 0, errorf(http.StatusBadRequest, "query parameter \"limit\" must be a non-negative integer")
		}
	}
	return offset, limit, nil
}

func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	items = items[offset:]
	if limit < len(items) {
		items = items[:limit]
	}
	return items
}

func galleriesOf(doc map[string]any) []string {
	list, _ := doc["galleries"].([]any)
	out := make([]string, 0, len(list))
	for _, g := range list {
		if s, ok := g.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (s *Simulator) findPersons(w http.ResponseWriter, q *request) error {
	exprs, err := parseExpressions(q.body)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	offset, limit, err := pageParams(q, 100)
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	group := v.Get("group") == "true"
	refOnly := v.Get("reference") == "true"
	gallery, byGallery := v.Get("gallery"), v.Has("gallery")
	var hits []hit
	var derr error
	s.store.view(func(m map[string]*personRec) {
		for _, pid := range sortedIDs(m) {
			p := m[pid]
			for _, idn := range p.Identities {
				if refOnly && idn.ID != p.Reference {
					continue
				}
				var doc map[string]any
				if err := json.Unmarshal(idn.Doc, &doc); err != nil {
					derr = fmt.Errorf("stored identity is corrupt: %w", err)
					return
				}
				if byGallery && !slices.Contains(galleriesOf(doc), gallery) {
					continue
				}
				if !matchAll(doc, exprs) {
					continue
				}
				if group {
					hits = append(hits, hit{PersonID: pid})
					break
				}
				hits = append(hits, hit{PersonID: pid, IdentityID: idn.ID})
			}
		}
	})
	if derr != nil {
		return derr
	}
	registrysim.WriteJSON(w, http.StatusOK, page(hits, offset, limit))
	return nil
}

func (s *Simulator) readGalleries(w http.ResponseWriter, _ *request) error {
	set := map[string]bool{}
	var derr error
	s.store.view(func(m map[string]*personRec) {
		for _, p := range m {
			for _, idn := range p.Identities {
				var doc map[string]any
				if err := json.Unmarshal(idn.Doc, &doc); err != nil {
					derr = fmt.Errorf("stored identity is corrupt: %w", err)
					return
				}
				for _, g := range galleriesOf(doc) {
					set[g] = true
				}
			}
		}
	})
	if derr != nil {
		return derr
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	slices.Sort(out)
	registrysim.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Simulator) readGalleryContent(w http.ResponseWriter, q *request) error {
	gid := q.params["galleryId"]
	offset, limit, err := pageParams(q, 1000)
	if err != nil {
		return err
	}
	hits := []hit{}
	var derr error
	s.store.view(func(m map[string]*personRec) {
		for _, pid := range sortedIDs(m) {
			for _, idn := range m[pid].Identities {
				var doc map[string]any
				if err := json.Unmarshal(idn.Doc, &doc); err != nil {
					derr = fmt.Errorf("stored identity is corrupt: %w", err)
					return
				}
				gs := galleriesOf(doc)
				if (gid == AllGalleries && len(gs) > 0) || slices.Contains(gs, gid) {
					hits = append(hits, hit{PersonID: pid, IdentityID: idn.ID})
				}
			}
		}
	})
	if derr != nil {
		return derr
	}
	if len(hits) == 0 && gid != AllGalleries {
		return errorf(http.StatusNotFound, "unknown gallery %q", gid)
	}
	hits = page(hits, offset, limit)
	if !wantsCSV(q.r.Header.Values("Accept")) {
		registrysim.WriteJSON(w, http.StatusOK, hits)
		return nil
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"PersonId", "identityId"})
	for _, h := range hits {
		_ = cw.Write([]string{h.PersonID, h.IdentityID})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("encode CSV: %w", err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// wantsCSV reports whether the Accept header prefers text/csv over JSON.
func wantsCSV(accept []string) bool {
	var csvQ, jsonQ float64 = -1, -1
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			qv := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					qv = f
				}
			}
			switch mt {
			case "text/csv":
				csvQ = max(csvQ, qv)
			case "application/json":
				jsonQ = max(jsonQ, qv)
			}
		}
	}
	return csvQ > 0 && csvQ >= jsonQ
}
