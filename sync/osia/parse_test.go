package osia

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/stationkey"
	"github.com/capturestation/station/internal/testdata/identities"
)

// fullEnrollment uses every field the OSIA mapping carries.
func fullEnrollment() *enrollment.Enrollment {
	at := time.Date(2026, 3, 4, 10, 11, 12, 500, time.FixedZone("", 3600))
	e := enrollment.New("st-9", "op-9", time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	e.CompletedAt = e.CreatedAt
	e.IdentityType = "RESIDENT"
	e.Galleries = []string{"CIVIL", "VIP"}
	e.Biographic = enrollment.Biographic{FirstName: "ZZTESTNAME", LastName: "DOE", DateOfBirth: "1990-02-03",
		Gender: "F", Nationality: "UTO", PlaceOfBirth: "Port Sim", Extra: map[string]string{"mothersName": "ANNA"}}
	e.Contextual = &enrollment.Contextual{EnrollmentDate: "2026-03-04", Location: "Office 3", Extra: map[string]string{"queueTicket": "A17"}}
	e.Liveness = &enrollment.Liveness{Live: true, Score: 0.93, Method: "texture", Reasons: []string{"blink"}}
	e.Face = &enrollment.Face{Image: enrollment.Image{Format: "JPEG", Data: []byte{0xff, 0xd8, 1, 2}, Width: 480, Height: 640,
		CapturedAt: at, Device: "cam0"}, Quality: 77, QualityFormat: "ISO_29794_5"}
	e.Fingers = []enrollment.Finger{
		{Position: enrollment.RightIndex, Image: &enrollment.Image{Format: "WSQ", Data: []byte{0xff, 0xa0, 9}, Width: 400, Height: 500,
			Resolution: 500, BitDepth: 8, CapturedAt: at, Device: "scanner0"}, Quality: 61, QualityFormat: "NFIQ2", ImpressionType: "LIVE_SCAN_PLAIN"},
		{Position: enrollment.LeftThumb, Missing: enrollment.Amputated},
	}
	e.Documents = []enrollment.Document{{
		Type: enrollment.DocPassport, Number: "L898902C3", IssuingState: "UTO", DateOfExpiry: "2032-04-15",
		MRZ:            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
		ChipDataGroups: map[int][]byte{1: {0x61, 1, 2}, 2: {0x75, 3}}, ChipSOD: []byte{0x77, 4}, PassiveAuth: "VALID",
		Pages: []enrollment.Image{{Format: "PNG", Data: []byte{0x89, 'P', 'N', 'G'}, Width: 10, Height: 20, CapturedAt: at, Device: "doccam", Page: 2}},
	}}
	return e
}

func TestEncodeParseRoundTrip(t *testing.T) {
	key, _ := stationkey.Generate()
	c, err := New(Config{BaseURL: "https://registry.example", IdentityType: "CIVIL", SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	e := fullEnrollment()
	body, err := c.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte(`"identityId"`)) {
		t.Fatal("the body carries identityId, which the registry assigns from the URL")
	}
	if err := VerifyIntegrity(body, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
	back, err := ParseIdentity(body, ImportOptions{PersonID: e.PersonID, StationID: "st-9", OperatorID: "op-9",
		Now: func() time.Time { return e.CreatedAt }})
	if err != nil {
		t.Fatal(err)
	}
	back.TransactionID, back.IdentityID = e.TransactionID, e.IdentityID
	// Times come back equal as instants; compare them as such.
	for _, im := range []*time.Time{&back.Face.Image.CapturedAt, &back.Fingers[0].Image.CapturedAt, &back.Documents[0].Pages[0].CapturedAt} {
		*im = im.In(e.Face.Image.CapturedAt.Location())
	}
	if !sameJSON(t, back, e) {
		t.Fatal("round trip changed the enrollment")
	}
}

func TestGeneratedIdentitiesSurviveImport(t *testing.T) {
	key, _ := stationkey.Generate()
	c, _ := New(Config{BaseURL: "https://registry.example", IdentityType: "CIVIL", SigningKey: key})
	for n := 0; n < 20; n++ {
		src, err := identities.Identity(3, n, identities.Options{Fingers: n % 4})
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseIdentity(src, ImportOptions{StationID: "st", OperatorID: "op"})
		if err != nil {
			t.Fatalf("identity %d: %v", n, err)
		}
		out, err := c.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		var want, got map[string]any
		json.Unmarshal(src, &want)
		json.Unmarshal(out, &got)
		delete(got["contextualData"].(map[string]any), "stationId")
		delete(got["contextualData"].(map[string]any), "operatorId")
		delete(got, "integrity")
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("identity %d changed on import and export:\n got  %.400s\n want %.400s", n, gj, wj)
		}
	}
}

func TestParseIdentityRejects(t *testing.T) {
	base := `{"identityType":"CIVIL","status":"CLAIMED",%s}`
	face := `"biometricData":[{"biometricType":"FACE","biometricSubType":"PORTRAIT","image":"AQID","compression":"PNG"%s}]`
	tests := []struct{ name, doc, want string }{
		{"not json", `{`, "unexpected EOF"},
		{"unknown member", strings.Replace(base, "%s", `"nickname":"x"`, 1), "nickname"},
		{"trailing data", `{"identityType":"CIVIL","status":"CLAIMED"} {}`, "after the Identity"},
		{"bad status", `{"identityType":"X","status":"LOST"}`, "status"},
		{"encrypted", strings.Replace(base, "%s", `"encryption":{}`, 1), "encrypted"},
		{"number biographic", strings.Replace(base, "%s", `"biographicData":{"firstName":3}`, 1), "biographicData.firstName must be a string"},
		{"image by reference", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FACE","imageRef":"http://x/y"}]`, 1), "imageRef"},
		{"template", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FINGER","biometricSubType":"RIGHT_INDEX","template":"AA"}]`, 1), "templates"},
		{"iris", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"IRIS","image":"AQID"}]`, 1), "IRIS"},
		{"bad base64", strings.Replace(base, "%s", strings.NewReplacer("AQID", "***", "%s", "").Replace(face), 1), "illegal base64"},
		{"two faces", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FACE","image":"AQID","compression":"PNG"},{"biometricType":"FACE","image":"AQID","compression":"PNG"}]`, 1), "second portrait"},
		{"unknown encoding", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FACE","image":"AQID","mimeType":"image/gif"}]`, 1), "image/gif"},
		{"bad date", strings.Replace(base, "%s", strings.Replace(face, "%s", `,"captureDate":"yesterday"`, 1), 1), "RFC 3339"},
		{"bad quality", strings.Replace(base, "%s", strings.Replace(face, "%s", `,"quality":101`, 1), 1), "quality"},
		{"palm", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FINGER","biometricSubType":"RIGHT_FULL_PALM","image":"AQID","compression":"PNG"}]`, 1), "not a finger position"},
		{"finger twice", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FINGER","biometricSubType":"RIGHT_INDEX","missing":[{"presence":"BANDAGED"}]},{"biometricType":"FINGER","biometricSubType":"RIGHT_INDEX","missing":[{"presence":"DAMAGED"}]}]`, 1), "twice"},
		{"bad presence", strings.Replace(base, "%s", `"biometricData":[{"biometricType":"FINGER","biometricSubType":"RIGHT_INDEX","missing":[{"presence":"LOST"}]}]`, 1), "presence"},
		{"document without parts", strings.Replace(base, "%s", `"documentData":[{"documentType":"PASSPORT","parts":[]}]`, 1), "parts"},
		{"document by reference", strings.Replace(base, "%s", `"documentData":[{"documentType":"PASSPORT","parts":[{"dataRef":"http://x"}]}]`, 1), "dataRef"},
		{"bad document type", strings.Replace(base, "%s", `"documentData":[{"documentType":"VISA","parts":[{"data":"AQID","mimeType":"image/png"}]}]`, 1), "VISA"},
		{"bad dg", strings.Replace(base, "%s", `"documentData":[{"documentType":"PASSPORT","parts":[{"data":"AQID","mimeType":"application/vnd.icao.lds; dg=99"}]}]`, 1), "dg=1"},
		{"dangling document info", strings.Replace(base, "%s", `"contextualData":{"documents":[{"index":3,"mrz":"X"}]}`, 1), "document 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIdentity([]byte(tt.doc), ImportOptions{StationID: "st", OperatorID: "op"})
			if !errors.Is(err, ErrImport) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrImport mentioning %q", err, tt.want)
			}
		})
	}
	big := make([]byte, MaxIdentityBytes+1)
	if _, err := ParseIdentity(big, ImportOptions{}); !errors.Is(err, ErrImport) {
		t.Fatalf("oversized document: %v", err)
	}
}

func TestVerifyIntegrityDetectsTampering(t *testing.T) {
	key, _ := stationkey.Generate()
	c, _ := New(Config{BaseURL: "https://registry.example", IdentityType: "CIVIL", SigningKey: key})
	body, err := c.Encode(fullEnrollment())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(body, &doc)
	edit := func(f func(map[string]any)) []byte {
		var d map[string]any
		json.Unmarshal(body, &d)
		f(d)
		b, _ := json.Marshal(d)
		return b
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"name changed", edit(func(d map[string]any) { d["biographicData"].(map[string]any)["lastName"] = "ROE" })},
		{"finger dropped", edit(func(d map[string]any) { d["biometricData"] = d["biometricData"].([]any)[:1] })},
		{"member added", edit(func(d map[string]any) { d["documentData"] = nil; delete(d, "documentData"); d["clientData"] = "AA==" })},
		{"scope narrowed", edit(func(d map[string]any) { d["integrity"].([]any)[0].(map[string]any)["scope"] = "$.galleries" })},
		{"no block", edit(func(d map[string]any) { delete(d, "integrity") })},
		{"not json", []byte("[")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyIntegrity(tt.body, &key.PublicKey); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("err = %v, want ErrIntegrity", err)
			}
		})
	}
	// Re-encoding by a registry (member order, escaping, number form) keeps it valid.
	re, _ := json.MarshalIndent(doc, "", "  ")
	if err := VerifyIntegrity(re, &key.PublicKey); err != nil {
		t.Fatalf("re-encoded document: %v", err)
	}
}

func FuzzParseIdentity(f *testing.F) {
	src, _ := identities.Identity(1, 1, identities.Options{ImageBytes: 512, Fingers: 1})
	f.Add(src)
	f.Add([]byte(`{"identityType":"CIVIL","status":"CLAIMED","documentData":[{"documentType":"PASSPORT","parts":[{"data":"AQID","mimeType":"application/vnd.icao.lds; dg=1"}]}]}`))
	key, _ := stationkey.Generate()
	c, _ := New(Config{BaseURL: "https://registry.example", IdentityType: "CIVIL", SigningKey: key})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseIdentity(data, ImportOptions{StationID: "st", OperatorID: "op"})
		if err != nil {
			return
		}
		body, err := c.Encode(e)
		if err != nil {
			return // e.g. a document whose parts were all unusable
		}
		again, err := ParseIdentity(body, ImportOptions{PersonID: e.PersonID, StationID: "st", OperatorID: "op"})
		if err != nil {
			t.Fatalf("an exported identity is not importable: %v", err)
		}
		if len(again.Fingers) != len(e.Fingers) || (again.Face == nil) != (e.Face == nil) || len(again.Documents) != len(e.Documents) {
			t.Fatal("export and import lost data")
		}
	})
}
