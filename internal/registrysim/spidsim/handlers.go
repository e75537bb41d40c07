package spidsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// maxID bounds identifiers (userId, operatorId, document, key ids).
const maxID = 128

// readJSON reads a JSON body into v, answering 415, 413 or 400 itself.
func (s *Simulator) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeErr(w, http.StatusUnsupportedMediaType, ValidationError, "Content-Type must be application/json")
		return false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErr(w, http.StatusRequestEntityTooLarge, ValidationError, fmt.Sprintf("request body exceeds %d bytes", s.cfg.MaxBodyBytes))
			return false
		}
		writeErr(w, http.StatusBadRequest, ValidationError, "read request body: "+err.Error())
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, ValidationError, "request body is not valid JSON for this operation: "+describeJSON(err))
		return false
	}
	if dec.More() {
		writeErr(w, http.StatusBadRequest, ValidationError, "request body has data after the JSON object")
		return false
	}
	return true
}

// describeJSON names a decoding problem without echoing values.
func describeJSON(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s must be %s", te.Field, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "malformed JSON"
}

// checkContent validates ContentData entries.
func checkContent(field string, cs []ContentData, biometric bool) []string {
	var errs []string
	seen := map[int]bool{}
	for i, c := range cs {
		at := fmt.Sprintf("%s[%d]", field, i)
		if biometric && !validBiometricIndex(c.Index) {
			errs = append(errs, fmt.Sprintf("%s.index %d is not a biometric index (fingers 1-10, slaps 13-15, face 20)", at, c.Index))
		}
		if !biometric && c.Index < 0 {
			errs = append(errs, fmt.Sprintf("%s.index must not be negative", at))
		}
		if seen[c.Index] {
			errs = append(errs, fmt.Sprintf("%s.index %d appears twice", at, c.Index))
		}
		seen[c.Index] = true
		if c.Content == "" {
			errs = append(errs, at+".content is required")
		} else if _, err := base64.StdEncoding.DecodeString(c.Content); err != nil {
			errs = append(errs, at+".content is not base64")
		}
		if c.Width < 0 || c.Height < 0 || c.Resolution < 0 {
			errs = append(errs, at+": width, height and resolution must not be negative")
		}
	}
	return errs
}

func checkID(field, v string, required bool) []string {
	switch {
	case v == "" && required:
		return []string{field + " is required"}
	case len(v) > maxID:
		return []string{fmt.Sprintf("%s is longer than %d bytes", field, maxID)}
	}
	return nil
}

// checkTransaction validates a UserTransaction.
func checkTransaction(ut *UserTransaction, enroll bool) []string {
	errs := checkID("data.userId", ut.UserID, true)
	errs = append(errs, checkID("data.operatorId", ut.OperatorID, enroll)...)
	if ut.Timestamp <= 0 {
		errs = append(errs, "data.timestamp must be a positive epoch-millisecond time")
	}
	if len(ut.Biometrics) == 0 {
		errs = append(errs, "data.biometrics: at least one biometric is required")
	}
	errs = append(errs, checkContent("data.biometrics", ut.Biometrics, true)...)
	errs = append(errs, checkContent("data.auxiliaries", ut.Auxiliaries, false)...)
	for i, m := range ut.MissingBiometrics {
		at := fmt.Sprintf("data.missingBiometrics[%d]", i)
		if !validBiometricIndex(m.Index) || m.Index == 20 {
			errs = append(errs, fmt.Sprintf("%s.index %d is not a finger index", at, m.Index))
		}
		if !validMissingType(m.Type) {
			errs = append(errs, at+".type must be AMPUTATED, BANDAGED or OTHER")
		}
		if slices.ContainsFunc(ut.Biometrics, func(c ContentData) bool { return c.Index == m.Index }) {
			errs = append(errs, fmt.Sprintf("%s.index %d also has a biometric", at, m.Index))
		}
	}
	for _, kv := range [][]KeyValue{ut.Keys, ut.Biographics} {
		for i, k := range kv {
			if k.ID == "" || len(k.ID) > maxID {
				errs = append(errs, fmt.Sprintf("keys and biographics need an id of 1-%d bytes (entry %d)", maxID, i))
			}
		}
	}
	return errs
}

// duplicateOf returns the person GUID of another person who shares a
// biometric sample (same index, same content) with ut, or "".
func (s *Simulator) duplicateOf(ut *UserTransaction) (string, int) {
	for uid, p := range s.persons {
		if uid == ut.UserID {
			continue
		}
		for _, b := range ut.Biometrics {
			for _, pb := range p.Data.Biometrics {
				if b.Index == pb.Index && b.Content == pb.Content {
					return p.GUID, b.Index
				}
			}
		}
	}
	return "", 0
}

// readTransaction decodes and checks the {"data": UserTransaction} body of
// enroll (full: every member an enrollment needs) and verify, answering
// the validation error itself when it fails.
func (s *Simulator) readTransaction(w http.ResponseWriter, r *http.Request, full bool) (*UserTransaction, bool) {
	var req struct {
		Data *UserTransaction `json:"data"`
	}
	if !s.readJSON(w, r, &req) {
		return nil, false
	}
	if req.Data == nil {
		writeErr(w, http.StatusBadRequest, ValidationError, "data is required")
		return nil, false
	}
	if errs := checkTransaction(req.Data, full); len(errs) > 0 {
		writeErr(w, http.StatusBadRequest, ValidationError, errs...)
		return nil, false
	}
	return req.Data, true
}

func (s *Simulator) enroll(w http.ResponseWriter, r *http.Request) {
	tx, ok := s.readTransaction(w, r, true)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byUser[tx.UserID]; ok {
		if t := s.txs[id]; t.Status != StatusError {
			writeErr(w, http.StatusConflict, ProcessingError, fmt.Sprintf("userId already has enroll transaction %s (status %s)", t.ID, t.Status))
			return
		}
	}
	t := &transaction{ID: s.newGUID("tg"), Type: TypeEnroll, Data: *tx, Status: StatusEnqueued, final: StatusOK, finalMsg: "person enrolled"}
	if f, ok := s.forced[tx.UserID]; ok {
		delete(s.forced, tx.UserID)
		t.final, t.finalMsg = f[0], f[1]
	} else if guid, idx := s.duplicateOf(tx); guid != "" {
		t.final, t.finalMsg = StatusEnrollRejected, fmt.Sprintf("anomaly: biometric index %d duplicates person %s", idx, guid)
	}
	s.txs[t.ID] = t
	s.byUser[tx.UserID] = t.ID
	if s.cfg.PendingPolls < 0 {
		s.complete(t)
	}
	registrysim.WriteJSON(w, http.StatusOK, ExternalResult{ID: t.ID, Status: StatusOK, Message: "enroll transaction enqueued"})
}

// advance counts one read of a pending transaction and completes it after
// PendingPolls reads. Callers hold s.mu.
func (s *Simulator) advance(t *transaction) {
	if t.Status != StatusEnqueued && t.Status != StatusSearchPending {
		return
	}
	t.polls++
	if t.polls > s.cfg.PendingPolls {
		s.complete(t)
	}
}

// complete moves t to its final status. Callers hold s.mu.
func (s *Simulator) complete(t *transaction) {
	t.Status, t.Message = t.final, t.finalMsg
	if t.Type != TypeEnroll {
		return
	}
	switch t.Status {
	case StatusOK:
		s.persons[t.Data.UserID] = &person{GUID: s.newGUID("pg"), TGUID: t.ID, Data: t.Data, EnrolledAt: s.now().UTC()}
	case StatusEnrollRejected:
		s.rejected.Add(1)
	}
}

func (s *Simulator) getEnrollResult(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[r.PathValue("id")]
	if !ok || t.Type != TypeEnroll {
		writeErr(w, http.StatusNotFound, ProcessingError, "no enroll transaction with this id")
		return
	}
	s.advance(t)
	msg := t.Message
	if t.Status == StatusEnqueued {
		msg = "enroll transaction in progress"
	}
	registrysim.WriteJSON(w, http.StatusOK, ExternalResult{ID: t.ID, Status: t.Status, Message: msg})
}

// findPerson finds a person by userId or by any of its key values.
func (s *Simulator) findPerson(key string) (*person, bool) {
	if p, ok := s.persons[key]; ok {
		return p, true
	}
	for _, p := range s.persons {
		for _, k := range p.Data.Keys {
			if k.Value == key {
				return p, true
			}
		}
	}
	return nil, false
}

func (s *Simulator) getPerson(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.findPerson(r.PathValue("key"))
	if !ok {
		writeErr(w, http.StatusNotFound, ProcessingError, "no person with this key")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, Person{
		Auxiliaries: nonNil(p.Data.Auxiliaries), Biographics: nonNil(p.Data.Biographics), Biometrics: nonNil(p.Data.Biometrics),
		EnrollStatus: StatusEnrolled, Keys: nonNil(p.Data.Keys), Labels: []string{},
		PersonGUID: p.GUID, Timestamp: p.EnrolledAt.Format(time.RFC3339), TransactionGUID: p.TGUID,
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func txData(t *transaction) TransactionData {
	return TransactionData{ID: t.ID, UserID: t.Data.UserID, OperatorID: t.Data.OperatorID, Type: t.Type,
		Status: t.Status, Timestamp: t.Data.Timestamp, Biometrics: nonNil(t.Data.Biometrics)}
}

func (s *Simulator) getTransactionGUID(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[r.PathValue("guid")]
	if !ok {
		writeErr(w, http.StatusNotFound, ProcessingError, "no transaction with this guid")
		return
	}
	var out TransactionGUID
	out.ID, out.Status, out.Type = t.ID, t.Status, t.Type
	out.Transaction.Biometrics = []TransactionIndex{}
	for _, b := range t.Data.Biometrics {
		out.Transaction.Biometrics = append(out.Transaction.Biometrics, TransactionIndex{Index: b.Index})
	}
	out.Transaction.MissingBiometrics = nonNil(t.Data.MissingBiometrics)
	registrysim.WriteJSON(w, http.StatusOK, out)
}

func (s *Simulator) getTransactionData(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[r.PathValue("tguid")]
	if !ok {
		writeErr(w, http.StatusNotFound, ProcessingError, "no transaction with this tguid")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, txData(t))
}

func (s *Simulator) getPersonTransactionData(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byUser[r.PathValue("cpf")]
	if !ok {
		writeErr(w, http.StatusNotFound, ProcessingError, "no transaction for this person")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, txData(s.txs[id]))
}

func (s *Simulator) verify(w http.ResponseWriter, r *http.Request) {
	tx, ok := s.readTransaction(w, r, false)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ref []ContentData
	if o, ok := s.operators[tx.UserID]; ok && o.Status == OperatorVerified {
		ref = o.Biometrics
	} else if p, ok := s.persons[tx.UserID]; ok {
		ref = p.Data.Biometrics
	} else {
		writeErr(w, http.StatusNotFound, ProcessingError, "no enrolled person or verified operator with this userId")
		return
	}
	t := &transaction{ID: s.newGUID("tv"), Type: TypeVerify, Data: *tx, Status: StatusSearchPending, final: StatusNotMatch, finalMsg: "biometrics do not match"}
	for _, b := range tx.Biometrics {
		if slices.ContainsFunc(ref, func(c ContentData) bool { return c.Index == b.Index && c.Content == b.Content }) {
			t.final, t.finalMsg = StatusMatch, "biometrics match"
			break
		}
	}
	s.txs[t.ID] = t
	if s.cfg.PendingPolls < 0 {
		s.complete(t)
	}
	registrysim.WriteJSON(w, http.StatusOK, ExternalResult{ID: t.ID, Status: StatusOK, Message: "verify transaction enqueued"})
}

func (s *Simulator) getSearchResult(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[r.PathValue("tguid")]
	if !ok || t.Type != TypeVerify {
		writeErr(w, http.StatusNotFound, ProcessingError, "no verify transaction with this tguid")
		return
	}
	s.advance(t)
	msg := t.Message
	if t.Status == StatusSearchPending {
		msg = "verification in progress"
	}
	registrysim.WriteJSON(w, http.StatusOK, ExternalResult{ID: t.ID, Status: t.Status, Message: msg})
}

func (s *Simulator) operatorInsert(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Data *struct {
			Document string `json:"document"`
		} `json:"data"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if req.Data == nil {
		writeErr(w, http.StatusBadRequest, ValidationError, "data is required")
		return
	}
	if errs := checkID("data.document", req.Data.Document, true); len(errs) > 0 {
		writeErr(w, http.StatusBadRequest, ValidationError, errs...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.operators[req.Data.Document]; ok && o.Status != OperatorDeleted {
		writeErr(w, http.StatusConflict, ProcessingError, "an operator with this document exists (status "+o.Status+")")
		return
	}
	s.operators[req.Data.Document] = &operator{Document: req.Data.Document, Status: OperatorPending}
	w.WriteHeader(http.StatusCreated)
}

func (s *Simulator) enrollOperator(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Data *Operator `json:"data"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if req.Data == nil {
		writeErr(w, http.StatusBadRequest, ValidationError, "data is required")
		return
	}
	errs := checkID("data.document", req.Data.Document, true)
	if len(req.Data.Biometrics) == 0 {
		errs = append(errs, "data.biometrics: at least one biometric is required")
	}
	errs = append(errs, checkContent("data.biometrics", req.Data.Biometrics, true)...)
	if len(errs) > 0 {
		writeErr(w, http.StatusBadRequest, ValidationError, errs...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.operators[req.Data.Document]
	if !ok || o.Status == OperatorDeleted {
		writeErr(w, http.StatusNotFound, ProcessingError, "no operator with this document: insert it first")
		return
	}
	o.Biometrics, o.Status, o.TGUID, o.polls, o.final = req.Data.Biometrics, OperatorEnqueued, s.newGUID("to"), 0, OperatorVerified
	for _, other := range s.operators {
		if other == o {
			continue
		}
		for _, b := range o.Biometrics {
			if slices.ContainsFunc(other.Biometrics, func(c ContentData) bool { return c.Index == b.Index && c.Content == b.Content }) {
				o.final = OperatorException
			}
		}
	}
	if s.cfg.PendingPolls < 0 {
		o.Status = o.final
	}
	w.WriteHeader(http.StatusCreated)
}

func (s *Simulator) getOperator(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.operators[r.PathValue("key")]
	if !ok {
		writeErr(w, http.StatusNotFound, ProcessingError, "no operator with this key")
		return
	}
	if o.Status == OperatorEnqueued {
		o.polls++
		if o.polls > s.cfg.PendingPolls {
			o.Status = o.final
		}
	}
	registrysim.WriteJSON(w, http.StatusOK, Operator{Document: o.Document, Biometrics: nonNil(o.Biometrics), Status: o.Status, TGUID: o.TGUID})
}

func (s *Simulator) operatorList(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Operator{}
	for _, o := range s.operators {
		if o.Status != OperatorDeleted {
			out = append(out, Operator{Document: o.Document, Status: o.Status, TGUID: o.TGUID})
		}
	}
	slices.SortFunc(out, func(a, b Operator) int {
		if a.Document < b.Document {
			return -1
		}
		if a.Document > b.Document {
			return 1
		}
		return 0
	})
	registrysim.WriteJSON(w, http.StatusOK, out)
}

func (s *Simulator) deleteOperator(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.operators[r.PathValue("key")]
	if !ok || o.Status == OperatorDeleted {
		writeErr(w, http.StatusNotFound, ProcessingError, "no operator with this key")
		return
	}
	o.Status = OperatorDeleted
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) getStatus(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	st := s.system
	s.mu.Unlock()
	registrysim.WriteJSON(w, http.StatusOK, struct {
		Data SystemStatus `json:"data"`
	}{st})
}
