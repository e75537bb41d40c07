package idvsim

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

func TestFullSessionAndReads(t *testing.T) {
	h := newHarness(t)
	id := h.createSession(map[string]string{"transaction_id": "tx-1"})
	fin := h.complete(id, "identification_card", 1, map[string]any{"first_name": "Ada", "last_name": "Lovelace", "birth_date": "1985-11-30", "gender": "F"})
	if fin.body["verified"] != true || fin.body["on_sanction_list"] != false {
		t.Fatalf("finalize: %s", fin.raw)
	}
	read := h.post(PathSessionRead, map[string]any{"session_id": id}, opts{})
	for k, v := range map[string]any{"status_e": "complete", "document_type_e": "identification_card", "consented": true,
		"document_front_given": true, "document_back_given": true, "liveness_detected": true, "selfie_given": true,
		"verified": true, "score": float64(100), "first_name": "Ada", "gender_e": "female", "client_id": testClient} {
		if read.body[k] != v {
			t.Errorf("session read %s = %v, want %v", k, read.body[k], v)
		}
	}
	if meta, _ := read.body["metadata"].(map[string]any); meta["transaction_id"] != "tx-1" {
		t.Errorf("metadata %v", read.body["metadata"])
	}
	if hist, _ := read.body["history"].([]any); len(hist) != 9 {
		t.Errorf("history has %d events: %v", len(hist), hist)
	}
	list := h.post(PathSessionList, map[string]any{"metadata": map[string]string{"transaction_id": "tx-1"}}, opts{})
	if s, _ := list.body["sessions"].([]any); len(s) != 1 {
		t.Fatalf("list: %s", list.raw)
	}
	if none := h.post(PathSessionList, map[string]any{"metadata": map[string]string{"transaction_id": "tx-2"}}, opts{}); none.body["meta_counts"].(map[string]any)["total"] != float64(0) {
		t.Fatalf("list with another transaction: %s", none.raw)
	}
	if other := h.post(PathSessionList, map[string]any{}, opts{token: h.fetchToken("other", "other-secret"), clientID: "other"}); other.body["meta_counts"].(map[string]any)["total"] != float64(0) {
		t.Fatalf("another client lists our session: %s", other.raw)
	}
	tests := h.post(PathSessionTestRead, map[string]any{"session_id": id}, opts{})
	if tests.body["doc_front_image_manipulation"] != "pass" || tests.body["doc_back_online_duplication"] != "pass" || tests.body["name_crosscheck"] != true {
		t.Errorf("tests: %s", tests.raw)
	}
	loc := h.post(PathSessionLocationRead, map[string]any{"session_id": id, "location_capture_type_e": "back_doc_image_capture"}, opts{})
	if loc.body["device_latitude"] != 10.5 || loc.body["device_longitude"] != -20.25 {
		t.Errorf("location: %s", loc.raw)
	}
	doc := h.post(PathDocumentRead, map[string]any{"session_id": id}, opts{})
	if doc.body["document_number"] != "D123" || doc.body["type_e"] != "identification_card" || doc.body["last_name"] != "Lovelace" {
		t.Errorf("document: %s", doc.raw)
	}
	docs := h.post(PathDocumentList, map[string]any{"session_id": id}, opts{})
	if d, _ := docs.body["documents"].([]any); len(d) != 1 {
		t.Errorf("documents: %s", docs.raw)
	}
	dl := h.post(PathDocumentDownload, map[string]any{"session_id": id, "storage_file_type_e": "state_id_card_back"}, opts{})
	if dl.status != http.StatusOK || !bytes.Equal(dl.raw, jpeg(101, 1024)) {
		t.Errorf("download: %d, %d bytes", dl.status, len(dl.raw))
	}
	sdk := h.post(PathSDKSessionRead, map[string]any{"session_id": id}, opts{})
	if sdk.body["consented"] != true || sdk.body["sdk_metadata"] == nil {
		t.Errorf("sdk session read: %s", sdk.raw)
	}
	// A complete session takes no more steps.
	again := h.post(PathSDKFinalize, map[string]any{"session_id": id}, opts{})
	if again.status != http.StatusBadRequest || !strings.Contains(again.message(), "complete") {
		t.Errorf("second finalization: %d %s", again.status, again.raw)
	}
	if st := h.sim.Stats(); st.Sessions != 1 || st.Completed != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name      string
		holder    map[string]any
		duplicate bool
		verified  bool
		sanction  bool
	}{
		{"clean", map[string]any{"last_name": "Clean", "birth_date": "1980-01-01"}, false, true, false},
		{"sanctioned", map[string]any{"last_name": "Embargo"}, false, false, true},
		{"minor", map[string]any{"last_name": "Young", "birth_date": time.Now().AddDate(-12, 0, 0).Format("2006-01-02")}, false, false, false},
		{"no name for the cross-check", map[string]any{}, false, false, false},
		{"duplicated document image", map[string]any{"last_name": "Twice"}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.duplicate {
				h.complete(h.createSession(nil), "passport", 7, map[string]any{"last_name": "First"})
			}
			a := h.complete(h.createSession(nil), "passport", 7+boolByte(!tt.duplicate), tt.holder)
			if a.body["verified"] != tt.verified || a.body["on_sanction_list"] != tt.sanction {
				t.Fatalf("verdict %s", a.raw)
			}
		})
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func TestFinalizeSandboxFlagsForceFailures(t *testing.T) {
	h := newHarness(t)
	id := h.createSession(nil)
	must := func(a answer) {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	}
	must(h.post(PathSDKConsent, map[string]any{"session_id": id, "consented": true}, opts{}))
	must(h.post(PathSDKMetadataUpdate, map[string]any{"session_id": id, "sdk_metadata": map[string]any{"holder": map[string]any{"last_name": "X"}, "document": map[string]any{"number": "1"}}}, opts{}))
	must(h.post(PathSDKDocumentType, map[string]any{"session_id": id, "document_type_e": "passport"}, opts{}))
	must(h.upload(PathSDKDocumentFront, map[string]string{"session_id": id, "latitude": "1", "longitude": "2"}, jpeg(3, 900), opts{}))
	must(h.post(PathSDKLivenessGenerate, map[string]any{"session_id": id, "latitude": 1, "longitude": 2}, opts{}))
	must(h.post(PathSDKLivenessProcess, map[string]any{"session_id": id, "latitude": 1, "longitude": 2, "images": []string{"/9j/4AAQ"}}, opts{}))
	a := h.post(PathSDKFinalize, map[string]any{"session_id": id, "settings": map[string]any{"doc_front_suspicious_words_fail": true, "aamva_test_scenario": "DLDVSTRUCTUREDTEST11"}}, opts{})
	must(a)
	if a.body["verified"] != false {
		t.Fatalf("verdict %s", a.raw)
	}
	tr := h.post(PathSessionTestRead, map[string]any{"session_id": id}, opts{})
	if tr.body["doc_front_suspicious_words"] != "fail" || tr.body["doc_back_suspicious_words"] != "skipped" {
		t.Fatalf("tests %s", tr.raw)
	}
}

// TestValidation checks the 400 answers of every endpoint: the error body
// lists what is wrong.
func TestValidation(t *testing.T) {
	h := newHarness(t)
	fresh := h.createSession(nil)
	consented := h.createSession(nil)
	h.post(PathSDKConsent, map[string]any{"session_id": consented, "consented": true}, opts{})
	declined := h.createSession(nil)
	h.post(PathSDKConsent, map[string]any{"session_id": declined, "consented": false}, opts{})
	typed := h.createSession(nil)
	h.post(PathSDKConsent, map[string]any{"session_id": typed, "consented": true}, opts{})
	h.post(PathSDKDocumentType, map[string]any{"session_id": typed, "document_type_e": "passport"}, opts{})
	pos := func(id string) map[string]string {
		return map[string]string{"session_id": id, "latitude": "1.5", "longitude": "2.5"}
	}

	tests := []struct {
		name   string
		path   string
		body   any
		status int
		want   string
	}{
		{"create: unknown member", PathSessionCreate, map[string]any{"colour": "red"}, 400, "property colour should not exist"},
		{"create: bad liveness mode", PathSessionCreate, map[string]any{"liveness_mode": "active"}, 400, "liveness_mode must be one of the following values: passive, passive_active"},
		{"create: metadata not strings", PathSessionCreate, map[string]any{"metadata": map[string]any{"a": 1}}, 400, "metadata.a must be a string"},
		{"create: bad setting", PathSessionCreate, map[string]any{"settings": map[string]any{"perform_ofac_test": "yes"}}, 400, "settings.perform_ofac_test must be a boolean value"},
		{"create: unknown setting", PathSessionCreate, map[string]any{"settings": map[string]any{"perform_magic": true}}, 400, "settings.perform_magic should not exist"},
		{"create: bad webhook", PathSessionCreate, map[string]any{"webhook_url": "not a url"}, 400, "webhook_url must be a URL address"},
		{"create: not an object", PathSessionCreate, []int{1}, 400, "must be a JSON object"},
		{"read: no session id", PathSessionRead, map[string]any{}, 400, "session_id should not be empty"},
		{"read: session id not a string", PathSessionRead, map[string]any{"session_id": 5}, 400, "session_id must be a string"},
		{"read: unknown session", PathSessionRead, map[string]any{"session_id": "ses_nope"}, 400, "not found"},
		{"list: take too large", PathSessionList, map[string]any{"take": 1000}, 400, "take must be a whole number"},
		{"list: bad status", PathSessionList, map[string]any{"status": "done"}, 400, "status must be one of"},
		{"list: bad date", PathSessionList, map[string]any{"start_date": "yesterday"}, 400, "start_date must be a valid ISO 8601 date string"},
		{"test read: not finalized", PathSessionTestRead, map[string]any{"session_id": fresh}, 400, "not been finalized"},
		{"location: bad type", PathSessionLocationRead, map[string]any{"session_id": fresh, "location_capture_type_e": "x"}, 400, "location_capture_type_e must be one of"},
		{"location: nothing captured", PathSessionLocationRead, map[string]any{"session_id": fresh, "location_capture_type_e": "front_doc_image_capture"}, 400, "no image of that kind"},
		{"document read: none", PathDocumentRead, map[string]any{"session_id": fresh}, 400, "no document"},
		{"download: bad type", PathDocumentDownload, map[string]any{"session_id": fresh, "storage_file_type_e": "x"}, 400, "storage_file_type_e must be one of"},
		{"download: nothing stored", PathDocumentDownload, map[string]any{"session_id": fresh, "storage_file_type_e": "selfie"}, 400, "no selfie file"},
		{"consent: missing", PathSDKConsent, map[string]any{"session_id": fresh}, 400, "consented should not be empty"},
		{"consent: not boolean", PathSDKConsent, map[string]any{"session_id": fresh, "consented": "yes"}, 400, "consented must be a boolean value"},
		{"consent: cannot change", PathSDKConsent, map[string]any{"session_id": declined, "consented": true}, 400, "cannot change"},
		{"metadata: before consent", PathSDKMetadataUpdate, map[string]any{"session_id": fresh, "sdk_metadata": map[string]any{}}, 400, "consent has not been added"},
		{"metadata: consent declined", PathSDKMetadataUpdate, map[string]any{"session_id": declined, "sdk_metadata": map[string]any{}}, 400, "consent was declined"},
		{"metadata: missing", PathSDKMetadataUpdate, map[string]any{"session_id": consented}, 400, "sdk_metadata should not be empty"},
		{"document type: bad value", PathSDKDocumentType, map[string]any{"session_id": consented, "document_type_e": "visa"}, 400, "document_type_e must be one of the following values: unknown, driver_license"},
		{"liveness generate: no position", PathSDKLivenessGenerate, map[string]any{"session_id": consented}, 400, "latitude should not be empty; longitude should not be empty"},
		{"liveness generate: out of range", PathSDKLivenessGenerate, map[string]any{"session_id": consented, "latitude": 95, "longitude": 0}, 400, "latitude must be a latitude"},
		{"liveness process: before generate", PathSDKLivenessProcess, map[string]any{"session_id": consented, "latitude": 1, "longitude": 1}, 400, "generate a liveness session"},
		{"liveness process: not base64", PathSDKLivenessProcess, map[string]any{"session_id": consented, "latitude": 1, "longitude": 1, "images": []string{"%%%"}}, 400, "images.0 must be base64 encoded"},
		{"finalize: nothing done", PathSDKFinalize, map[string]any{"session_id": consented}, 400, "document type has not been set; document front image has not been added; liveness session has not been processed"},
		{"finalize: bad flag", PathSDKFinalize, map[string]any{"session_id": consented, "settings": map[string]any{"doc_front_fail": true}}, 400, "settings.doc_front_fail should not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.post(tt.path, tt.body, opts{})
			if a.status != tt.status || !strings.Contains(a.message(), tt.want) || a.body["error"] != http.StatusText(tt.status) || a.body["statusCode"] != float64(tt.status) {
				t.Fatalf("%d %s, want %d mentioning %q", a.status, a.raw, tt.status, tt.want)
			}
		})
	}

	uploads := []struct {
		name   string
		path   string
		fields map[string]string
		image  []byte
		status int
		want   string
	}{
		{"front: before type", PathSDKDocumentFront, pos(consented), jpeg(1, 500), 400, "set the document type"},
		{"front: before consent", PathSDKDocumentFront, pos(fresh), jpeg(1, 500), 400, "consent has not been added"},
		{"front: no latitude", PathSDKDocumentFront, map[string]string{"session_id": typed, "longitude": "1"}, jpeg(1, 500), 400, "latitude should not be empty"},
		{"front: bad longitude", PathSDKDocumentFront, map[string]string{"session_id": typed, "latitude": "1", "longitude": "east"}, jpeg(1, 500), 400, "longitude must be a longitude"},
		{"front: no image", PathSDKDocumentFront, pos(typed), nil, 400, "image should not be empty"},
		{"front: unknown part", PathSDKDocumentFront, map[string]string{"session_id": typed, "latitude": "1", "longitude": "1", "note": "x"}, jpeg(1, 500), 400, "property note should not exist"},
		{"front: too large", PathSDKDocumentFront, pos(typed), make([]byte, MaxImageBytes+1), 413, "exceeds"},
		{"back: before front", PathSDKDocumentBack, pos(typed), jpeg(1, 500), 400, "front image before the back"},
	}
	for _, tt := range uploads {
		t.Run(tt.name, func(t *testing.T) {
			a := h.upload(tt.path, tt.fields, tt.image, opts{})
			if a.status != tt.status || !strings.Contains(a.message(), tt.want) {
				t.Fatalf("%d %s, want %d mentioning %q", a.status, a.raw, tt.status, tt.want)
			}
		})
	}
	if a := h.upload(PathSDKDocumentFront, pos(typed), jpeg(1, 500), opts{}); a.status != http.StatusOK {
		t.Fatalf("front: %d %s", a.status, a.raw)
	}
	if a := h.upload(PathSDKDocumentBack, pos(typed), jpeg(2, 500), opts{}); a.status != 400 || !strings.Contains(a.message(), "passport has no back") {
		t.Fatalf("passport back: %d %s", a.status, a.raw)
	}
	if a := h.do(http.MethodPost, PathSDKDocumentFront, []byte(`{}`), opts{}); a.status != 400 || !strings.Contains(a.message(), "multipart/form-data") {
		t.Fatalf("JSON upload: %d %s", a.status, a.raw)
	}
	if a := h.do(http.MethodPost, PathSessionRead, []byte(`session_id=x`), opts{ctype: "application/x-www-form-urlencoded"}); a.status != http.StatusUnsupportedMediaType {
		t.Fatalf("form body: %d %s", a.status, a.raw)
	}
	if a := h.do(http.MethodGet, PathSessionRead, nil, opts{}); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d %s", a.status, a.raw)
	}
	if a := h.do(http.MethodPost, "/idv/nothing", nil, opts{}); a.status != http.StatusNotFound {
		t.Fatalf("unknown path: %d", a.status)
	}
}

func TestAuth(t *testing.T) {
	h := newHarness(t)
	id := h.createSession(nil)
	otherToken := h.fetchToken("other", "other-secret")
	tests := []struct {
		name   string
		path   string
		o      opts
		status int
		want   string
	}{
		{"no token", PathSessionRead, opts{noToken: true}, 401, "authentication required"},
		{"forged token", PathSessionRead, opts{token: "abc.def"}, 401, "invalid bearer token"},
		{"sdk without client id", PathSDKSessionRead, opts{noClient: true}, 400, "X-Client-Id header is required"},
		{"client id of another client", PathSDKSessionRead, opts{clientID: "other"}, 403, "X-Client-Id does not name"},
		{"another client's session", PathSDKSessionRead, opts{token: otherToken, clientID: "other"}, 400, "not found"},
		{"management without client id", PathSessionRead, opts{noClient: true}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.post(tt.path, map[string]any{"session_id": id}, tt.o)
			if a.status != tt.status || !strings.Contains(a.message(), tt.want) {
				t.Fatalf("%d %s, want %d mentioning %q", a.status, a.raw, tt.status, tt.want)
			}
			if tt.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	h.skew.Store(int64(2 * time.Hour))
	if a := h.post(PathSessionRead, map[string]any{"session_id": id}, opts{}); a.status != 401 || !strings.Contains(a.message(), "expired") {
		t.Fatalf("expired token: %d %s", a.status, a.raw)
	}
}

func TestFaultsAndHealth(t *testing.T) {
	h := newHarness(t)
	if a := h.do(http.MethodGet, PathHealth, nil, opts{noToken: true}); a.status != 200 || a.body["status"] != "ok" {
		t.Fatalf("health: %d %s", a.status, a.raw)
	}
	if err := h.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 9}); err != nil {
		t.Fatal(err)
	}
	if a := h.post(PathSessionCreate, map[string]any{}, opts{}); a.status != 503 || a.header.Get("Retry-After") != "9" {
		t.Fatalf("injected failure: %d %v", a.status, a.header)
	}
	if h.sim.SessionCount() != 0 {
		t.Fatal("an injected failure created a session")
	}
	if err := h.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+PathSessionCreate, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := h.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped answer arrived")
	}
	if h.sim.SessionCount() != 1 {
		t.Fatal("a dropped answer's session was not committed")
	}
	if err := h.sim.SetFaults(registrysim.Faults{}); err != nil {
		t.Fatal(err)
	}
	st := h.sim.Stats()
	if st.Faults.Failed != 1 || st.Faults.Dropped != 1 || st.Requests.ByStatus["503"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if a := h.do(http.MethodGet, StatsPath, nil, opts{}); a.status != 200 || a.body["sessions"] != float64(1) {
		t.Fatalf("stats endpoint: %d %s", a.status, a.raw)
	}
	if a := h.do(http.MethodPost, ResetPath, nil, opts{}); a.status != http.StatusNoContent || h.sim.SessionCount() != 0 {
		t.Fatalf("reset: %d", a.status)
	}
}

func TestNewRequiresClientsOrDisableAuth(t *testing.T) {
	if _, err := New(context.Background(), Config{}); err == nil {
		t.Fatal("New accepted no clients without DisableAuth")
	}
	if _, err := New(context.Background(), Config{DisableAuth: true, Faults: registrysim.Faults{FailRate: 2}}); err == nil {
		t.Fatal("New accepted invalid faults")
	}
}
