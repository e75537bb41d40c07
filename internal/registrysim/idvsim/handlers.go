package idvsim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// Limits on session contents.
const (
	maxMetadataEntries = 64
	maxMetadataKey     = 64
	maxMetadataValue   = 512
	maxFormField       = 1 << 10
	maxListTake        = 100
	defaultListTake    = 10
	// MaxMetadataBody bounds the sdk metadata update body.
	MaxMetadataBody = 4 << 20
)

// errNotFound and friends are the 400 messages of session lookups; the
// document declares 400 as the only error answer of these operations.
func notFound(id string) string {
	return "session " + strconv.Quote(truncate(id, 80)) + " not found"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// newID returns a fresh identifier; the caller holds the lock.
func (s *Simulator) newID(prefix string) string {
	return fmt.Sprintf("%s_%016x", prefix, s.rng.Uint64())
}

// lookup finds the caller's session; the caller holds the lock.
func (s *Simulator) lookup(c *call, id string) (*Session, string) {
	ss, ok := s.sessions[id]
	if !ok || ss.ClientID != c.client {
		return nil, notFound(id)
	}
	return ss, ""
}

// active checks that a session accepts SDK steps; the caller holds the lock.
func active(ss *Session, needConsent bool) string {
	switch ss.Status {
	case StatusComplete, StatusTemporarilyComplete:
		return "session is complete; create a new session to verify again"
	case StatusExpired:
		return "session has expired; create a new session"
	case StatusTemporarilyBlocked:
		return "session is temporarily blocked"
	}
	if needConsent && !ss.Consented {
		if ss.ConsentGiven {
			return "identity consent was declined; this session cannot continue"
		}
		return "identity consent has not been added to this session; add consent first"
	}
	return ""
}

func ok(w http.ResponseWriter) { registrysim.WriteJSON(w, http.StatusOK, struct{}{}) }

func (s *Simulator) sessionCreate(c *call) {
	f := readForm(c)
	if f == nil {
		return
	}
	meta := f.stringMap("metadata")
	if len(meta) > maxMetadataEntries {
		f.problems = append(f.problems, fmt.Sprintf("metadata may hold at most %d entries", maxMetadataEntries))
	}
	for k, v := range meta {
		if k == "" || len(k) > maxMetadataKey || len(v) > maxMetadataValue {
			f.problems = append(f.problems, fmt.Sprintf("metadata keys must be 1 to %d characters and values at most %d", maxMetadataKey, maxMetadataValue))
			break
		}
	}
	mode := f.enum("liveness_mode", false, livenessModes...)
	hook := f.str("webhook_url", false)
	if hook != "" {
		if u, err := url.Parse(hook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.problems = append(f.problems, "webhook_url must be a URL address")
		}
	}
	settings := map[string]bool{}
	for k, v := range defaultSettings {
		settings[k] = v
	}
	var retry string
	if m := f.object("settings", false); m != nil {
		for k, v := range f.boolObject("settings", m, createSettings, "aamva_retry_e") {
			settings[k] = v
		}
		if raw, ok := m["aamva_retry_e"]; ok {
			_ = json.Unmarshal(raw, &retry)
		}
	}
	if !f.done(c) {
		return
	}
	if mode == "" {
		mode = "passive"
	}
	s.mu.Lock()
	if len(s.sessions) >= MaxSessions {
		s.mu.Unlock()
		writeError(c.w, http.StatusTooManyRequests, "too many sessions held by the simulator; reset it")
		return
	}
	ss := &Session{
		ID: s.newID("ses"), ClientID: c.client, Status: StatusInProgress, CreatedAt: s.now().UTC(),
		LivenessMode: mode, WebhookURL: hook, Metadata: meta, Settings: settings, AAMVARetry: retry,
	}
	if ss.Metadata == nil {
		ss.Metadata = map[string]string{}
	}
	ss.event("created", PathSessionCreate)
	s.sessions[ss.ID] = ss
	s.order = append(s.order, ss.ID)
	s.mu.Unlock()
	registrysim.WriteJSON(c.w, http.StatusOK, map[string]string{"session_id": ss.ID})
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// view renders a session as the session read and list answers do.
func (ss *Session) view(full bool) map[string]any {
	h := ss.holder()
	status := func(run bool) string {
		if ss.Status != StatusComplete || !run {
			return "unknown"
		}
		if ss.OnSanctionList {
			return "fail"
		}
		return "pass"
	}
	v := map[string]any{
		"session_id": ss.ID, "user_id": "", "client_id": ss.ClientID, "idv_weights_id": "default",
		"status_e": ss.Status, "document_type_e": orUnknown(ss.DocumentType),
		"created_at": ts(ss.CreatedAt), "completed_at": ts(ss.CompletedAt),
		"first_name": h.FirstName, "middle_name": h.MiddleName, "last_name": h.LastName, "suffix_name": h.SuffixName,
		"gender_e": genderE(h.Gender), "birth_date": h.BirthDate,
		"consented": ss.Consented, "consented_at": ts(ss.ConsentedAt),
		"document_front_given": ss.Front != nil, "document_front_given_at": captureAt(ss.Front),
		"document_back_given": ss.Back != nil, "document_back_given_at": captureAt(ss.Back),
		"liveness_detected": ss.LivenessDetected, "liveness_detected_at": ts(ss.LivenessAt),
		"selfie_given": ss.SelfieGiven, "selfie_given_at": ts(ss.LivenessAt),
		"ofac_status_e": status(ss.Settings["perform_ofac_test"]), "ofac_detected_at": ts(ss.CompletedAt),
		"dmv_status_e": status(ss.Settings["perform_aamva_test"]), "dmv_detected_at": "",
		"verified": ss.Verified, "verified_at": ts(ss.VerifiedAt),
		"score": ss.Score, "identity_id": ss.IdentityID, "metadata": ss.Metadata,
	}
	if full {
		settings := map[string]any{}
		for k, b := range ss.Settings {
			settings[k] = b
		}
		if ss.AAMVARetry != "" {
			settings["aamva_retry_e"] = ss.AAMVARetry
		}
		v["webhook_url"] = ss.WebhookURL
		v["settings"] = settings
		v["history"] = ss.History
	}
	return v
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func captureAt(c *Capture) string {
	if c == nil {
		return ""
	}
	return ts(c.At)
}

func (s *Simulator) sessionList(c *call) {
	f := readForm(c)
	if f == nil {
		return
	}
	take, hasTake := f.number("take", false)
	skip, _ := f.number("skip", false)
	search := strings.ToLower(f.str("search_term", false))
	start := f.str("start_date", false)
	end := f.str("end_date", false)
	meta := f.stringMap("metadata")
	identities := f.strs("identity_id")
	status := f.enum("status", false, statuses...)
	clients := f.strs("client_id")
	_ = f.strs("user_id")
	if !hasTake {
		take = defaultListTake
	}
	if take < 0 || take > maxListTake || take != float64(int(take)) {
		f.problems = append(f.problems, fmt.Sprintf("take must be a whole number from 0 to %d", maxListTake))
	}
	if skip < 0 || skip != float64(int(skip)) {
		f.problems = append(f.problems, "skip must be a whole number not less than 0")
	}
	var from, to time.Time
	for _, d := range []struct {
		name, v string
		t       *time.Time
	}{{"start_date", start, &from}, {"end_date", end, &to}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.v)
		if err != nil {
			f.problems = append(f.problems, d.name+" must be a valid ISO 8601 date string")
			continue
		}
		*d.t = t
	}
	if !f.done(c) {
		return
	}
	s.mu.Lock()
	var match []map[string]any
	for _, id := range s.order {
		ss := s.sessions[id]
		if ss.ClientID != c.client ||
			(len(clients) > 0 && !slices.Contains(clients, ss.ClientID)) ||
			(len(identities) > 0 && !slices.Contains(identities, ss.IdentityID)) ||
			(status != "" && ss.Status != status) ||
			(!from.IsZero() && ss.CreatedAt.Before(from)) ||
			(!to.IsZero() && ss.CreatedAt.After(to)) {
			continue
		}
		matches := true
		for k, v := range meta {
			if got, ok := ss.Metadata[k]; !ok || got != v {
				matches = false
			}
		}
		if search != "" {
			h := ss.holder()
			hay := strings.ToLower(ss.ID + " " + h.FirstName + " " + h.LastName)
			matches = matches && strings.Contains(hay, search)
		}
		if matches {
			match = append(match, ss.view(false))
		}
	}
	s.mu.Unlock()
	total := len(match)
	lo := min(int(skip), total)
	hi := min(lo+int(take), total)
	page := match[lo:hi]
	if page == nil {
		page = []map[string]any{}
	}
	registrysim.WriteJSON(c.w, http.StatusOK, map[string]any{
		"sessions":    page,
		"meta_counts": map[string]int{"take": int(take), "skip": int(skip), "response": len(page), "total": total},
	})
}

// withSession reads {session_id} plus the members extra reads, and runs fn
// on the caller's session under the lock. fn returns the answer.
func (s *Simulator) withSession(c *call, extra func(*form), fn func(ss *Session) (int, any)) {
	f := readForm(c)
	if f == nil {
		return
	}
	id := f.str("session_id", true)
	if extra != nil {
		extra(f)
	}
	if !f.done(c) {
		return
	}
	s.mu.Lock()
	ss, msg := s.lookup(c, id)
	var status int
	var body any
	if ss == nil {
		status, body = http.StatusBadRequest, msg
	} else {
		status, body = fn(ss)
	}
	s.mu.Unlock()
	respond(c.w, status, body)
}

// respond writes a JSON answer, or an error when status is not 200 and
// body is a message.
func respond(w http.ResponseWriter, status int, body any) {
	if status != http.StatusOK {
		if msg, isMsg := body.(string); isMsg {
			writeError(w, status, msg)
			return
		}
	}
	registrysim.WriteJSON(w, status, body)
}

func (s *Simulator) sessionRead(c *call) {
	s.withSession(c, nil, func(ss *Session) (int, any) { return http.StatusOK, ss.view(true) })
}

func (s *Simulator) sessionTestRead(c *call) {
	s.withSession(c, nil, func(ss *Session) (int, any) {
		if ss.Tests == nil {
			return http.StatusBadRequest, "session has not been finalized; its tests have not run"
		}
		return http.StatusOK, *ss.Tests
	})
}

func (s *Simulator) sessionLocationRead(c *call) {
	var kind string
	s.withSession(c, func(f *form) { kind = f.enum("location_capture_type_e", true, captureTypes...) }, func(ss *Session) (int, any) {
		var lat, lon float64
		var remote string
		switch kind {
		case "front_doc_image_capture", "back_doc_image_capture":
			cp := ss.Front
			if kind == "back_doc_image_capture" {
				cp = ss.Back
			}
			if cp == nil {
				return http.StatusBadRequest, "no image of that kind was captured in this session"
			}
			lat, _ = strconv.ParseFloat(cp.Latitude, 64)
			lon, _ = strconv.ParseFloat(cp.Longitude, 64)
			remote = cp.RemoteAddr
		case "selfie_image_capture":
			if ss.LivenessTokens == 0 {
				return http.StatusBadRequest, "no image of that kind was captured in this session"
			}
			lat, lon = ss.LivenessLatitude, ss.LivenessLongitude
		default:
			return http.StatusBadRequest, "location_capture_type_e unknown names no capture"
		}
		return http.StatusOK, map[string]any{
			"ip_address": remote, "ip_latitude": 0, "ip_longitude": 0, "ip_country": "", "ip_region": "", "ip_city": "",
			"device_location": strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64),
			"device_latitude": lat, "device_longitude": lon,
			"device_country_name": "", "device_country_code": "", "device_admin_area": "", "device_sub_admin_area": "", "device_locality": "",
		}
	})
}

// documentView renders the session's document, or nil when no front image
// was given.
func (ss *Session) documentView() map[string]any {
	if ss.Front == nil {
		return nil
	}
	h, d := ss.holder(), ss.document()
	return map[string]any{
		"document_id": ss.DocumentID, "type_e": orUnknown(ss.DocumentType), "data_source_e": "ocr",
		"document_number": d.Number, "ref_number": "", "issued_at": d.IssuedAt, "expires_at": d.ExpiresAt,
		"issuing_country": d.IssuingCountry, "issuing_state": d.IssuingState,
		"first_name": h.FirstName, "middle_name": h.MiddleName, "last_name": h.LastName, "name_suffix": h.SuffixName,
		"street": h.Street, "city": h.City, "state": h.State, "postal_code": h.PostalCode,
		"birth_date": h.BirthDate, "gender_e": genderE(h.Gender),
		"height": "", "weight": "", "eye_color": "", "hair_color": "", "class": "", "restrictions": "",
	}
}

func (s *Simulator) documentRead(c *call) {
	s.withSession(c, nil, func(ss *Session) (int, any) {
		v := ss.documentView()
		if v == nil {
			return http.StatusBadRequest, "no document has been captured in this session"
		}
		v["session_id"] = ss.ID
		return http.StatusOK, v
	})
}

func (s *Simulator) documentList(c *call) {
	var take, skip float64
	s.withSession(c, func(f *form) {
		var has bool
		if take, has = f.number("take", false); !has {
			take = defaultListTake
		}
		skip, _ = f.number("skip", false)
		if take < 0 || take > maxListTake || skip < 0 {
			f.problems = append(f.problems, fmt.Sprintf("take must be from 0 to %d and skip not negative", maxListTake))
		}
	}, func(ss *Session) (int, any) {
		docs := []map[string]any{}
		if v := ss.documentView(); v != nil && skip < 1 && take >= 1 {
			docs = append(docs, v)
		}
		total := 0
		if ss.Front != nil {
			total = 1
		}
		return http.StatusOK, map[string]any{"documents": docs,
			"meta_counts": map[string]int{"take": int(take), "skip": int(skip), "response": len(docs), "total": total}}
	})
}

// storageNames returns the storage file types of the front and back images
// of a document type.
func storageNames(docType string) (front, back string) {
	switch docType {
	case "driver_license":
		return "driver_license_front", "driver_license_back"
	case "identification_card":
		return "state_id_card_front", "state_id_card_back"
	case "passport":
		return "passport_front", ""
	case "passport_card":
		return "passport_card_front", "passport_card_back"
	}
	return "unknown", ""
}

func (s *Simulator) documentDownload(c *call) {
	f := readForm(c)
	if f == nil {
		return
	}
	id := f.str("session_id", true)
	kind := f.enum("storage_file_type_e", true, storageTypes...)
	if !f.done(c) {
		return
	}
	s.mu.Lock()
	ss, msg := s.lookup(c, id)
	var img []byte
	ctype := "application/octet-stream"
	if ss != nil {
		front, back := storageNames(ss.DocumentType)
		switch {
		case kind == front && ss.Front != nil:
			img, ctype = ss.Front.Image, ss.Front.ContentType
		case kind == back && ss.Back != nil:
			img, ctype = ss.Back.Image, ss.Back.ContentType
		case (kind == "selfie" || kind == "liveness_passive") && len(ss.LivenessImages) > 0:
			img = ss.LivenessImages[0]
		default:
			msg = "no " + kind + " file is stored for this session"
		}
		img = slices.Clone(img)
	}
	s.mu.Unlock()
	if img == nil {
		writeError(c.w, http.StatusBadRequest, msg)
		return
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.w.Header().Set("Content-Type", ctype)
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(img)
}

func (s *Simulator) sdkSessionRead(c *call) {
	s.withSession(c, nil, func(ss *Session) (int, any) {
		settings := map[string]bool{}
		for _, k := range []string{"perform_image_manipulation_test", "perform_aamva_test", "perform_ofac_test", "perform_age_test", "perform_gender_test", "perform_liveness_test"} {
			settings[k] = ss.Settings[k]
		}
		sdk := ss.SDKMetadata
		if sdk == nil {
			sdk = map[string]json.RawMessage{}
		}
		return http.StatusOK, map[string]any{
			"session_id": ss.ID, "client_id": ss.ClientID, "document_type_e": orUnknown(ss.DocumentType),
			"consented": ss.Consented, "document_front_given": ss.Front != nil, "document_back_given": ss.Back != nil,
			"liveness_detected": ss.LivenessDetected, "selfie_given": ss.SelfieGiven,
			"liveness_provider_e": "azure", "sdk_metadata": sdk, "settings": settings,
		}
	})
}

func (s *Simulator) sdkMetadataUpdate(c *call) {
	var meta map[string]json.RawMessage
	s.withSession(c, func(f *form) { meta = f.object("sdk_metadata", true) }, func(ss *Session) (int, any) {
		if msg := active(ss, true); msg != "" {
			return http.StatusBadRequest, msg
		}
		ss.SDKMetadata = meta
		ss.event("sdk_metadata_updated", PathSDKMetadataUpdate)
		return http.StatusOK, struct{}{}
	})
}

func (s *Simulator) sdkConsent(c *call) {
	var consented bool
	s.withSession(c, func(f *form) { consented, _ = f.boolean("consented", true) }, func(ss *Session) (int, any) {
		if msg := active(ss, false); msg != "" {
			return http.StatusBadRequest, msg
		}
		if ss.ConsentGiven && ss.Consented != consented {
			return http.StatusBadRequest, "identity consent was already recorded for this session and cannot change"
		}
		if !ss.ConsentGiven {
			ss.ConsentGiven, ss.Consented, ss.ConsentedAt = true, consented, s.now().UTC()
			ss.event("consent_added", PathSDKConsent)
		}
		return http.StatusOK, struct{}{}
	})
}

func (s *Simulator) sdkDocumentType(c *call) {
	var docType string
	s.withSession(c, func(f *form) { docType = f.enum("document_type_e", true, documentTypes...) }, func(ss *Session) (int, any) {
		if msg := active(ss, true); msg != "" {
			return http.StatusBadRequest, msg
		}
		if ss.Front != nil && ss.DocumentType != docType {
			return http.StatusBadRequest, "the document type cannot change after the front image was added"
		}
		ss.DocumentType = docType
		ss.event("document_type_updated", PathSDKDocumentType)
		return http.StatusOK, struct{}{}
	})
}

// upload is a parsed image upload.
type upload struct {
	sessionID, lat, lon string
	image               []byte
	ctype, filename     string
}

// readUpload parses a multipart image upload. It answers and returns nil
// when the request is not acceptable.
func readUpload(c *call) *upload {
	mr, err := c.r.MultipartReader()
	if err != nil {
		writeError(c.w, http.StatusBadRequest, "request body must be multipart/form-data with session_id, latitude, longitude and image")
		return nil
	}
	u := &upload{}
	seen := map[string]bool{}
	var problems []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadFailed(c, err)
		}
		name := p.FormName()
		if seen[name] {
			problems = append(problems, name+" must be given once")
		}
		seen[name] = true
		switch name {
		case "session_id", "latitude", "longitude":
			b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
			if err != nil {
				return uploadFailed(c, err)
			}
			if len(b) > maxFormField {
				problems = append(problems, name+" is too long")
				continue
			}
			v := strings.TrimSpace(string(b))
			switch name {
			case "session_id":
				u.sessionID = v
			case "latitude":
				u.lat = v
			case "longitude":
				u.lon = v
			}
		case "image":
			b, err := io.ReadAll(io.LimitReader(p, MaxImageBytes+1))
			if err != nil {
				return uploadFailed(c, err)
			}
			if len(b) > MaxImageBytes {
				writeError(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("image exceeds %d bytes", MaxImageBytes))
				return nil
			}
			u.image, u.ctype, u.filename = b, p.Header.Get("Content-Type"), p.FileName()
		default:
			problems = append(problems, "property "+truncate(name, 40)+" should not exist")
			if _, err := io.Copy(io.Discard, p); err != nil {
				return uploadFailed(c, err)
			}
		}
	}
	for _, f := range []struct{ name, v string }{{"session_id", u.sessionID}, {"latitude", u.lat}, {"longitude", u.lon}} {
		if f.v == "" {
			problems = append(problems, f.name+" should not be empty")
		}
	}
	if u.lat != "" {
		if v, err := strconv.ParseFloat(u.lat, 64); err != nil || v < -90 || v > 90 {
			problems = append(problems, "latitude must be a latitude string or number")
		}
	}
	if u.lon != "" {
		if v, err := strconv.ParseFloat(u.lon, 64); err != nil || v < -180 || v > 180 {
			problems = append(problems, "longitude must be a longitude string or number")
		}
	}
	if len(u.image) == 0 {
		problems = append(problems, "image should not be empty")
	}
	if len(problems) > 0 {
		writeProblems(c.w, problems)
		return nil
	}
	return u
}

func uploadFailed(c *call, err error) *upload {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", mbe.Limit))
		return nil
	}
	writeError(c.w, http.StatusBadRequest, "malformed multipart body: "+err.Error())
	return nil
}

func (s *Simulator) sdkDocumentFront(c *call) { s.documentImage(c, false) }
func (s *Simulator) sdkDocumentBack(c *call)  { s.documentImage(c, true) }

func (s *Simulator) documentImage(c *call, back bool) {
	u := readUpload(c)
	if u == nil {
		return
	}
	s.mu.Lock()
	ss, msg := s.lookup(c, u.sessionID)
	if ss != nil {
		msg = active(ss, true)
	}
	if msg == "" {
		switch {
		case ss.DocumentType == "":
			msg = "set the document type before adding document images"
		case back && ss.Front == nil:
			msg = "add the document front image before the back image"
		case back && ss.DocumentType == "passport":
			msg = "a passport has no back image to add"
		}
	}
	if msg == "" {
		cp := &Capture{Image: u.image, ContentType: u.ctype, Filename: u.filename, Latitude: u.lat, Longitude: u.lon,
			At: s.now().UTC(), RemoteAddr: c.r.RemoteAddr}
		if back {
			ss.Back = cp
			ss.event("document_back_added", PathSDKDocumentBack)
		} else {
			ss.Front = cp
			if ss.DocumentID == "" {
				ss.DocumentID = s.newID("doc")
			}
			ss.event("document_front_added", PathSDKDocumentFront)
		}
	}
	s.mu.Unlock()
	if msg != "" {
		writeError(c.w, http.StatusBadRequest, msg)
		return
	}
	ok(c.w)
}

// position reads the required latitude and longitude numbers.
func position(f *form) (lat, lon float64) {
	lat, hasLat := f.number("latitude", true)
	lon, hasLon := f.number("longitude", true)
	if hasLat && (lat < -90 || lat > 90) {
		f.problems = append(f.problems, "latitude must be a latitude string or number")
	}
	if hasLon && (lon < -180 || lon > 180) {
		f.problems = append(f.problems, "longitude must be a longitude string or number")
	}
	return lat, lon
}

func (s *Simulator) sdkLivenessGenerate(c *call) {
	var lat, lon float64
	s.withSession(c, func(f *form) { lat, lon = position(f) }, func(ss *Session) (int, any) {
		if msg := active(ss, true); msg != "" {
			return http.StatusBadRequest, msg
		}
		ss.LivenessTokens++
		ss.LivenessLatitude, ss.LivenessLongitude = lat, lon
		ss.event("liveness_session_generated", PathSDKLivenessGenerate)
		return http.StatusOK, map[string]string{"token": fmt.Sprintf("lvs_%s_%d", ss.ID, ss.LivenessTokens)}
	})
}

func (s *Simulator) sdkLivenessProcess(c *call) {
	var lat, lon float64
	var images [][]byte
	s.withSession(c, func(f *form) {
		lat, lon = position(f)
		raw, has := f.get("images", false)
		if !has {
			return
		}
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			f.problems = append(f.problems, "images must be an array of strings")
			return
		}
		for i, v := range list {
			if _, data, found := strings.Cut(v, ";base64,"); found && strings.HasPrefix(v, "data:") {
				v = data
			}
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				f.problems = append(f.problems, fmt.Sprintf("images.%d must be base64 encoded", i))
				continue
			}
			images = append(images, b)
		}
	}, func(ss *Session) (int, any) {
		if msg := active(ss, true); msg != "" {
			return http.StatusBadRequest, msg
		}
		if ss.LivenessTokens == 0 {
			return http.StatusBadRequest, "generate a liveness session before processing it"
		}
		ss.LivenessLatitude, ss.LivenessLongitude = lat, lon
		ss.LivenessImages = images
		live := false
		for _, b := range images {
			if isImage(b) {
				live = true
			}
		}
		ss.LivenessDetected, ss.SelfieGiven = live, live
		ss.LivenessAt = s.now().UTC()
		ss.event("liveness_session_processed", PathSDKLivenessProcess)
		return http.StatusOK, map[string]string{"token": fmt.Sprintf("lvs_%s_%d", ss.ID, ss.LivenessTokens)}
	})
}

func (s *Simulator) sdkFinalize(c *call) {
	flags := map[string]bool{}
	var settings map[string]json.RawMessage
	s.withSession(c, func(f *form) {
		settings = f.object("settings", false)
		if settings != nil {
			flags = f.boolObject("settings", settings, finalizeFlags, "aamva_test_scenario")
		}
	}, func(ss *Session) (int, any) {
		if msg := active(ss, true); msg != "" {
			return http.StatusBadRequest, msg
		}
		var missing []string
		if ss.DocumentType == "" {
			missing = append(missing, "document type has not been set")
		}
		if ss.Front == nil {
			missing = append(missing, "document front image has not been added")
		}
		if ss.Front != nil && ss.Back == nil && needsBack(ss.DocumentType) {
			missing = append(missing, "document back image has not been added")
		}
		if ss.Settings["perform_liveness_test"] && ss.LivenessAt.IsZero() {
			missing = append(missing, "liveness session has not been processed")
		}
		if len(missing) > 0 {
			return http.StatusBadRequest, ErrorBody{StatusCode: http.StatusBadRequest, Message: missing, Error: http.StatusText(http.StatusBadRequest)}
		}
		ss.FinalizeSettings = settings
		s.finalize(ss, flags, s.sessions)
		ss.event("finalized", PathSDKFinalize)
		return http.StatusOK, map[string]bool{"verified": ss.Verified, "on_sanction_list": ss.OnSanctionList}
	})
}
