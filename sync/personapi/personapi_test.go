package personapi

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // the API's file hash
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/personapisim"
	"github.com/capturestation/station/sync/delivery"
)

func strictDecode(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b) //nolint:gosec // the API's file hash
	return hex.EncodeToString(s[:])
}

// wantFile is a file as the registry should hold it.
type wantFile struct {
	name, comment string
	data          []byte
}

func checkFiles(t *testing.T, what string, got []personapisim.File, want []wantFile) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d files, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		data, err := base64.StdEncoding.DecodeString(g.Data)
		if err != nil || !bytes.Equal(data, w.data) || g.FileName != w.name || g.Comment != w.comment ||
			g.Hash != md5hex(w.data) || g.DateFrom != "2026-02-27" || g.Verified != 0 || g.ID == "" {
			t.Errorf("%s file %d: %+v, want %s %q with %q", what, i, g, w.name, w.comment, w.data)
		}
	}
}

func TestDeliverMapsTheWholeEnrollment(t *testing.T) {
	reg := newRegistry(t, personapisim.Config{})
	cfg := reg.config()
	cfg.NameLanguages = []string{"eng"}
	cfg.PersonSecretKey = []byte("0123456789abcdef0123")
	c := newConnector(t, cfg)
	e := fullEnrollment("a")
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Kind != Kind || rc.PersonID == "" || rc.IdentityID != e.IdentityID || rc.AlreadyPresent || rc.DeliveredAt.IsZero() {
		t.Fatalf("receipt %+v", rc)
	}
	wantDetails := map[string]string{"registryPersonId": rc.PersonID, "stationPersonId": "person-a", "idempotenceKey": "tx-a",
		"enrollmentRef": "station_enrollment:tx-a", "identifiers": "4", "files": "8"}
	if !reflect.DeepEqual(rc.Details, wantDetails) {
		t.Fatalf("details %v, want %v", rc.Details, wantDetails)
	}
	p, ok := reg.sim.Person(rc.PersonID)
	if !ok {
		t.Fatal("the receipt's person is not in the registry")
	}

	// Names and communications.
	if len(p.Names) != 1 {
		t.Fatalf("names %+v", p.Names)
	}
	if n := p.Names[0]; n.FirstName != "AMINA" || n.LastName != "ZZTEST" || n.MiddleName != "B" || n.NameType != "name" ||
		n.DateFrom != "2026-02-27" || !reflect.DeepEqual(n.Languages, []string{"eng"}) || n.Verified != 0 {
		t.Errorf("name %+v", n)
	}
	if len(p.Communications) != 2 || p.Communications[0].Communication != "amina.a@example.org" || p.Communications[0].CommunicationType != "email" ||
		p.Communications[1].Communication != "0612345678" || p.Communications[1].CommunicationType != "phone" {
		t.Errorf("communications %+v", p.Communications)
	}

	// Identifiers: passport, e-mail, phone, enrollment reference.
	if len(p.Identifiers) != 4 {
		t.Fatalf("%d identifiers", len(p.Identifiers))
	}
	type ident struct{ value, typ, from, to string }
	for i, w := range []ident{{"XA123", "passport", "2026-02-27", "2031-05-01"}, {"amina.a@example.org", "email", "2026-02-27", ""},
		{"0612345678", "phone", "2026-02-27", ""}, {"tx-a", "station_enrollment", "2026-02-27", ""}} {
		g := p.Identifiers[i]
		if g.Identifier != w.value || g.IdentifierType != w.typ || g.DateFrom != w.from || g.DateTo != w.to || g.Verified != 0 {
			t.Errorf("identifier %d: %+v, want %+v", i, g, w)
		}
	}
	doc := e.Documents[0]
	checkFiles(t, "passport", p.Identifiers[0].Files, []wantFile{
		{"page-2.png", "PASSPORT page image", doc.Pages[0].Data},
		{"page-3.jpg", "PASSPORT page image", doc.Pages[1].Data},
		{"dg1.bin", "chip data group 1 (ICAO 9303 LDS)", doc.ChipDataGroups[1]},
		{"dg2.bin", "chip data group 2 (ICAO 9303 LDS)", doc.ChipDataGroups[2]},
		{"sod.bin", "chip document security object (ICAO 9303 SOD)", doc.ChipSOD},
	})
	var docAttrs DocumentAttributes
	strictDecode(t, p.Identifiers[0].Attributes, &docAttrs)
	q87, q61 := 87, 61
	page := func(name, format, mime string, n int, dev string) FileMeta {
		return FileMeta{FileName: name, Content: "page", Page: n, MimeType: mime, Format: format, Width: 640, Height: 480,
			Resolution: 300, BitDepth: 24, CapturedAt: "2026-02-27T10:15:00Z", Device: dev}
	}
	wantDoc := DocumentAttributes{DocumentType: "PASSPORT", Document: 1, IssuingState: "UTO", DateOfExpiry: "2031-05-01",
		MRZ: doc.MRZ, PassiveAuth: "VALID", Files: []FileMeta{
			page("page-2.png", "PNG", "image/png", 2, "cam-page2"),
			page("page-3.jpg", "JPEG", "image/jpeg", 3, "cam-page3"),
			{FileName: "dg1.bin", Content: "chip_data_group", DataGroup: 1, MimeType: "application/octet-stream"},
			{FileName: "dg2.bin", Content: "chip_data_group", DataGroup: 2, MimeType: "application/octet-stream"},
			{FileName: "sod.bin", Content: "chip_sod", MimeType: "application/octet-stream"},
		}}
	if !reflect.DeepEqual(docAttrs, wantDoc) {
		t.Errorf("passport attributes\n%+v\nwant\n%+v", docAttrs, wantDoc)
	}
	for i := 1; i <= 2; i++ {
		if p.Identifiers[i].Attributes != nil || len(p.Identifiers[i].Files) != 0 {
			t.Errorf("contact identifier %d carries attributes or files", i)
		}
	}

	enr := p.Identifiers[3]
	checkFiles(t, "enrollment", enr.Files, []wantFile{
		{"document-2-image-1.jpg", "ID_CARD page image", e.Documents[1].Pages[0].Data},
		{"portrait.jpg", "face portrait", e.Face.Image.Data},
		{"finger-right_thumb.wsq", "fingerprint RIGHT_THUMB", e.Fingers[0].Image.Data},
	})
	var ea EnrollmentAttributes
	strictDecode(t, enr.Attributes, &ea)
	card := page("document-2-image-1.jpg", "JPEG", "image/jpeg", 0, "cam-card")
	card.Document = 2
	face := FileMeta{FileName: "portrait.jpg", Content: "portrait", MimeType: "image/jpeg", Format: "JPEG", Width: 640, Height: 480,
		Resolution: 300, BitDepth: 24, CapturedAt: "2026-02-27T10:15:00Z", Device: "cam-face", Quality: &q87, QualityFormat: "ISO_29794_5"}
	thumb := FileMeta{FileName: "finger-right_thumb.wsq", Content: "finger", Position: "RIGHT_THUMB", MimeType: "image/x-wsq", Format: "WSQ",
		Width: 640, Height: 480, Resolution: 500, BitDepth: 8, CapturedAt: "2026-02-27T10:15:00Z", Device: "cam-finger-a",
		Quality: &q61, QualityFormat: "NFIQ2", ImpressionType: "LIVE_SCAN_PLAIN"}
	wantEnr := EnrollmentAttributes{
		StationID: "st-7", OperatorID: "op-3", StationPersonID: "person-a", IdentityID: "identity-a",
		CreatedAt: "2026-02-27T10:00:00Z", CompletedAt: "2026-02-27T10:20:00Z",
		EnrollmentDate: "2026-02-27", Location: "Office 4", Contextual: map[string]string{"queue": "B"},
		IdentityType: "CIVIL", Galleries: []string{"CIVIL"},
		Biographic: &BiographicAttributes{DateOfBirth: "1990-04-12", Gender: "F", Nationality: "UTO", PlaceOfBirth: "ZENITH",
			Extra: map[string]string{"eyeColour": "brown"}},
		Liveness:       &LivenessAttributes{Live: true, Score: 0.97, Method: "passive", Reasons: []string{"texture"}},
		MissingFingers: map[string]string{"LEFT_INDEX": "BANDAGED"},
		Documents:      []DocumentAttributes{{DocumentType: "ID_CARD", Document: 2, IssuingState: "UTO"}},
		Files:          []FileMeta{card, face, thumb},
	}
	if !reflect.DeepEqual(ea, wantEnr) {
		t.Errorf("enrollment attributes\n%s\nwant\n%s", mustJSON(t, ea), mustJSON(t, wantEnr))
	}
	// The person's secret is derived, so every attempt sends the same body.
	b1, _ := c.Encode(e)
	b2, _ := c.Encode(e)
	if !bytes.Equal(b1, b2) || !bytes.Contains(b1, []byte(`"secret":"`+personSecret(cfg.PersonSecretKey, "tx-a")+`"`)) {
		t.Error("the body is not reproducible or has no derived secret")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDeliverMinimalEnrollment(t *testing.T) {
	reg := newRegistry(t, personapisim.Config{})
	c := newConnector(t, reg.config())
	e := enrollment.New("st-1", "op-1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := reg.sim.Person(rc.PersonID)
	if len(p.Identifiers) != 1 || p.Identifiers[0].Identifier != e.TransactionID || p.Identifiers[0].DateFrom != "2026-01-02" ||
		len(p.Names) != 0 || len(p.Communications) != 0 || bytes.Contains(mustBytes(t, c, e), []byte("secret")) {
		t.Fatalf("person %+v", p)
	}
}

func mustBytes(t *testing.T, c *Connector, e *enrollment.Enrollment) []byte {
	t.Helper()
	b, err := c.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRedeliveryIsAlreadyPresent(t *testing.T) {
	reg := newRegistry(t, personapisim.Config{})
	c := newConnector(t, reg.config())
	e := fullEnrollment("b")
	first, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyPresent || again.PersonID != first.PersonID {
		t.Fatalf("second receipt %+v, first %+v", again, first)
	}
	if n := reg.sim.PersonCount(); n != 1 {
		t.Fatalf("%d persons", n)
	}
}

// TestRetryAfterDroppedAnswer loses the answer to the creation (the
// registry commits it), then retries: the registry must still hold one
// person, found by the lookup or answered from the Idempotence-Key.
func TestRetryAfterDroppedAnswer(t *testing.T) {
	tests := []struct {
		name          string
		disableLookup bool
		keyExpires    bool
		wantPresent   bool
		wantReplays   int64
	}{
		{"lookup finds the person", false, false, true, 0},
		{"lookup after the key expired", false, true, true, 0},
		{"idempotence key replays the answer", true, false, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t, personapisim.Config{IdempotencyTTL: time.Hour})
			cfg := reg.config()
			cfg.DisableLookup = tt.disableLookup
			cfg.Transport = &faultOn{sim: reg.sim, path: personapisim.PersonPath, faults: registrysim.Faults{DropResponseRate: 1},
				times: 1, base: http.DefaultTransport}
			c := newConnector(t, cfg)
			e := fullEnrollment("c")
			_, err := c.Deliver(context.Background(), e)
			if class, de := delivery.Classify(err); err == nil || class != delivery.Retryable || de.Status != 0 {
				t.Fatalf("first attempt: %v, want a retryable transport failure", err)
			}
			if n := reg.sim.PersonCount(); n != 1 {
				t.Fatalf("the dropped creation was not committed: %d persons", n)
			}
			if tt.keyExpires {
				reg.clk.advance(2 * time.Hour)
			}
			rc, err := c.Deliver(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			st := reg.sim.Stats()
			if st.Persons != 1 || rc.AlreadyPresent != tt.wantPresent || st.Replays != tt.wantReplays {
				t.Fatalf("persons %d, receipt %+v, replays %d", st.Persons, rc, st.Replays)
			}
			if ps := reg.sim.FindByIdentifier("station_enrollment", e.TransactionID); len(ps) != 1 || ps[0].ID != rc.PersonID {
				t.Fatalf("the receipt names %s, the registry holds %d persons for the transaction", rc.PersonID, len(ps))
			}
		})
	}
}

func TestTokenExpiryAndRenewal(t *testing.T) {
	t.Run("registry expires the token first", func(t *testing.T) {
		reg := newRegistry(t, personapisim.Config{ClientTokenTTL: time.Hour})
		c := newConnector(t, reg.config()) // the connector's own clock is real time
		if _, err := c.Deliver(context.Background(), fullEnrollment("d")); err != nil {
			t.Fatal(err)
		}
		reg.clk.advance(2 * time.Hour)
		if _, err := c.Deliver(context.Background(), fullEnrollment("e")); err != nil {
			t.Fatal(err)
		}
		if n := reg.tokenCalls.Load(); n != 2 {
			t.Fatalf("%d token requests, want 2", n)
		}
		if n := reg.sim.Stats().Requests.ByStatus["401"]; n != 1 {
			t.Fatalf("%d answers 401, want 1 (the expired token, then a renewal)", n)
		}
	})
	t.Run("connector renews before expiry", func(t *testing.T) {
		reg := newRegistry(t, personapisim.Config{ClientTokenTTL: time.Hour})
		cfg := reg.config()
		cfg.Now = reg.clk.now
		c := newConnector(t, cfg)
		if err := c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		reg.clk.advance(59*time.Minute + 30*time.Second) // inside the renewal margin
		if err := c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, u := reg.tokenCalls.Load(), reg.sim.Stats().Requests.ByStatus["401"]; n != 2 || u != 0 {
			t.Fatalf("%d token requests and %d answers 401, want 2 and 0", n, u)
		}
	})
}

func TestDeliverClassifiesFailures(t *testing.T) {
	bad := func(edit func(*enrollment.Enrollment)) *enrollment.Enrollment {
		e := fullEnrollment("f")
		edit(e)
		return e
	}
	tests := []struct {
		name       string
		sim        personapisim.Config
		faults     registrysim.Faults
		secret     string
		enr        *enrollment.Enrollment
		class      delivery.Class
		status     int
		retryAfter time.Duration
		msg        string
	}{
		{name: "unavailable", faults: registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 7},
			class: delivery.Retryable, status: 503, retryAfter: 7 * time.Second, msg: "injected fault"},
		{name: "server error", faults: registrysim.Faults{FailRate: 1, Status: 500},
			class: delivery.Retryable, status: 500},
		{name: "rate limited", faults: registrysim.Faults{FailRate: 1, Status: 429, RetryAfter: 2},
			class: delivery.Retryable, status: 429, retryAfter: 2 * time.Second},
		{name: "request timeout", faults: registrysim.Faults{FailRate: 1, Status: 408},
			class: delivery.Retryable, status: 408},
		{name: "dropped answer", faults: registrysim.Faults{DropResponseRate: 1},
			class: delivery.Retryable, status: 0, msg: "POST /api/client/persons"},
		{name: "wrong secret", secret: "wrong",
			class: delivery.Retryable, status: 401, msg: "invalid client: unknown client_id or wrong client_secret (check registry.client_id, registry.client_secret"},
		{name: "credentials refused after renewal", faults: registrysim.Faults{FailRate: 1, Status: 401},
			class: delivery.Retryable, status: 401, msg: "registry.client_secret"},
		{name: "forbidden", faults: registrysim.Faults{FailRate: 1, Status: 403},
			class: delivery.Retryable, status: 403, msg: "the enrollment is not at fault"},
		{name: "invalid e-mail (400)", enr: bad(func(e *enrollment.Enrollment) { e.Biographic.Extra["email"] = "not-an-address" }),
			class: delivery.Permanent, status: 400,
			msg: "create person: person validation failed: communications[0] (e-mail address): communication must be an e-mail address; " +
				"identifiers[1] (e-mail address): identifier must be an e-mail address: correct the items named"},
		{name: "invalid phone (422)", sim: personapisim.Config{ValidationStatus: 422},
			enr:   bad(func(e *enrollment.Enrollment) { e.Biographic.Extra["phone"] = "+33 6 12" }),
			class: delivery.Permanent, status: 422,
			msg: "communications[1] (phone number): communication must contain only numbers; identifiers[2] (phone number): identifier must contain only numbers"},
		{name: "invalid document number", enr: bad(func(e *enrollment.Enrollment) { e.Documents[0].Number = "x-12 ab" }),
			class: delivery.Permanent, status: 400,
			msg: "identifiers[0] (number of document 1 (PASSPORT)): identifier must hold 1 to 32 capital letters"},
		{name: "type missing from the dictionary",
			sim:   personapisim.Config{IdentifierTypes: []personapisim.IdentifierType{{Type: "email", Regex: "^$"}}},
			class: delivery.Permanent, status: 400, msg: `identifiers[0] (number of document 1 (PASSPORT)): identifier_type "passport" is not in the identifier-type dictionary`},
		{name: "too large", sim: personapisim.Config{MaxBodyBytes: 512},
			class: delivery.Permanent, status: 413, msg: "larger than the registry accepts"},
		{name: "unmapped document type", enr: bad(func(e *enrollment.Enrollment) { e.Documents[0].Type = "VISA" }),
			class: delivery.Permanent, status: 0, msg: "registry.personapi.document_types"},
		{name: "invalid enrollment", enr: bad(func(e *enrollment.Enrollment) { e.TransactionID = "" }),
			class: delivery.Permanent, status: 0, msg: "transactionId is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t, tt.sim)
			cfg := reg.config()
			if tt.secret != "" {
				cfg.ClientSecret = tt.secret
			}
			c := newConnector(t, cfg)
			_, _ = c.tokens.token(context.Background()) // a token before the faults start
			if err := reg.sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			e := tt.enr
			if e == nil {
				e = fullEnrollment("f")
			}
			_, err := c.Deliver(context.Background(), e)
			class, de := delivery.Classify(err)
			if err == nil || class != tt.class || de == nil || de.Status != tt.status || de.RetryAfter != tt.retryAfter || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v\n(class %v, %+v), want %v HTTP %d retry-after %v mentioning %q", err, class, de, tt.class, tt.status, tt.retryAfter, tt.msg)
			}
			noPersonalData(t, err.Error(), e)
		})
	}
}

// noPersonalData fails when an error message repeats personal data.
func noPersonalData(t *testing.T, msg string, e *enrollment.Enrollment) {
	t.Helper()
	for _, v := range []string{e.Biographic.LastName, e.Biographic.DateOfBirth, e.Biographic.Extra["email"], e.Biographic.Extra["phone"], "0612345678"} {
		if v != "" && strings.Contains(msg, v) {
			t.Fatalf("error message repeats personal data %q: %s", v, msg)
		}
	}
	for _, d := range e.Documents {
		if d.Number != "" && strings.Contains(msg, d.Number) {
			t.Fatalf("error message repeats a document number: %s", msg)
		}
	}
}

func TestDeliverConflicts(t *testing.T) {
	t.Run("identifier held by another person", func(t *testing.T) {
		reg := newRegistry(t, personapisim.Config{UniqueIdentifierTypes: []string{"passport"}})
		c := newConnector(t, reg.config())
		if _, err := c.Deliver(context.Background(), fullEnrollment("g")); err != nil {
			t.Fatal(err)
		}
		other := fullEnrollment("h")
		other.Documents[0].Number = "XG123"
		_, err := c.Deliver(context.Background(), other)
		class, de := delivery.Classify(err)
		want := "create person: person validation failed: identifiers[0] (number of document 1 (PASSPORT)): identifier is already held by another person"
		if class != delivery.Conflict || de.Status != 409 || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v (class %v)", err, class)
		}
		noPersonalData(t, err.Error(), other)
		if n := reg.sim.PersonCount(); n != 1 {
			t.Fatalf("%d persons", n)
		}
	})
	t.Run("transaction re-sent with other content", func(t *testing.T) {
		reg := newRegistry(t, personapisim.Config{})
		cfg := reg.config()
		cfg.DisableLookup = true
		c := newConnector(t, cfg)
		e := fullEnrollment("i")
		if _, err := c.Deliver(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		e.Biographic.LastName = "CHANGED"
		_, err := c.Deliver(context.Background(), e)
		if class, de := delivery.Classify(err); class != delivery.Conflict || de.Status != 409 || !strings.Contains(err.Error(), "idempotence key conflict") {
			t.Fatalf("err = %v (class %v)", err, class)
		}
	})
}

func TestDeliverUnreachableRegistry(t *testing.T) {
	reg := newRegistry(t, personapisim.Config{})
	cfg := reg.config()
	reg.srv.Close()
	_, err := newConnector(t, cfg).Deliver(context.Background(), fullEnrollment("j"))
	if class, _ := delivery.Classify(err); err == nil || class != delivery.Retryable || !strings.Contains(err.Error(), "registry.token_url unreachable") {
		t.Fatalf("err = %v, want retryable", err)
	}
	if strings.Contains(err.Error(), "client_secret="+testSecret) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestPing(t *testing.T) {
	reg := newRegistry(t, personapisim.Config{})
	tests := []struct {
		name   string
		edit   func(*Config)
		faults registrysim.Faults
		want   string
	}{
		{"ok", func(*Config) {}, registrysim.Faults{}, ""},
		{"wrong secret", func(c *Config) { c.ClientSecret = "nope" }, registrysim.Faults{}, "invalid client"},
		{"registry failing", func(*Config) {}, registrysim.Faults{FailRate: 1, Status: 502}, "HTTP 502"},
		{"unknown document type", func(c *Config) {
			c.DocumentTypes = map[enrollment.DocumentType]string{enrollment.DocPassport: "visa"}
		}, registrysim.Faults{}, "no current type visa: fix registry.personapi.document_types"},
		{"unknown enrollment type", func(c *Config) { c.EnrollmentIdentifierType = "ticket" }, registrysim.Faults{}, "no current type ticket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := reg.config()
			tt.edit(&cfg)
			if err := reg.sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = reg.sim.SetFaults(registrysim.Faults{}) }()
			err := newConnector(t, cfg).Ping(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNewNamesTheConfigKey(t *testing.T) {
	good := Config{BaseURL: "https://registry.example", ClientID: "id", ClientSecret: "secret"}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"relative url", func(c *Config) { c.BaseURL = "/api" }, "registry.url"},
		{"ftp url", func(c *Config) { c.BaseURL = "ftp://x" }, "registry.url"},
		{"token url", func(c *Config) { c.TokenURL = "nope" }, "registry.token_url"},
		{"no client id", func(c *Config) { c.ClientID = "" }, "registry.client_id"},
		{"no secret", func(c *Config) { c.ClientSecret = "" }, "registry.client_secret"},
		{"bad scope", func(c *Config) { c.Scopes = []string{"a b"} }, "registry.scopes"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "registry.timeout"},
		{"missing ca", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "registry.ca_file"},
		{"cert without key", func(c *Config) { c.CertFile = "c.pem" }, "registry.key_file"},
		{"document type", func(c *Config) {
			c.DocumentTypes = map[enrollment.DocumentType]string{enrollment.DocPassport: "two words"}
		}, "registry.personapi.document_types"},
		{"enrollment type", func(c *Config) { c.EnrollmentIdentifierType = "a/b" }, "registry.personapi.enrollment_identifier_type"},
		{"language", func(c *Config) { c.NameLanguages = []string{"en"} }, "registry.personapi.name_languages"},
		{"short secret key", func(c *Config) { c.PersonSecretKey = []byte("short") }, "registry.personapi.person_secret_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %q", err, tt.want)
			}
		})
	}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.TokenURL != "https://registry.example/auth/token" || c.cfg.Timeout != 30*time.Second {
		t.Fatalf("defaults: token URL %q timeout %v", c.cfg.TokenURL, c.cfg.Timeout)
	}
}
