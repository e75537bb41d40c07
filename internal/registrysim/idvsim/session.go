package idvsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

// Session statuses (status_e).
const (
	StatusUnknown             = "unknown"
	StatusInProgress          = "in_progress"
	StatusComplete            = "complete"
	StatusTemporarilyBlocked  = "temporarily_blocked"
	StatusTemporarilyComplete = "temporarily_complete"
	StatusExpired             = "expired"
)

// Enumerations of the API document.
var (
	statuses       = []string{StatusUnknown, StatusInProgress, StatusComplete, StatusTemporarilyBlocked, StatusTemporarilyComplete, StatusExpired}
	documentTypes  = []string{"unknown", "driver_license", "identification_card", "passport", "passport_card"}
	livenessModes  = []string{"passive", "passive_active"}
	captureTypes   = []string{"unknown", "front_doc_image_capture", "back_doc_image_capture", "selfie_image_capture"}
	storageTypes   = []string{"unknown", "driver_license_front", "driver_license_back", "state_id_card_front", "state_id_card_back", "passport_front", "passport_card_front", "passport_card_back", "selfie", "liveness_passive", "liveness_active_step_1", "liveness_active_step_2", "liveness_active_step_3", "liveness_active_step_4"}
	createSettings = []string{"perform_image_manipulation_test", "perform_aamva_test", "perform_ofac_test", "collect_ip_data", "collect_location_data", "perform_age_test", "perform_gender_test", "perform_liveness_test"}
	finalizeFlags  = []string{"doc_front_suspicious_words_fail", "doc_front_image_manipulation_fail", "doc_front_online_duplication_fail", "doc_front_is_identity_document_fail", "doc_back_suspicious_words_fail", "doc_back_image_manipulation_fail", "doc_back_online_duplication_fail", "doc_back_is_identity_document_fail", "ocr_name_match_fail", "ocr_address_match_fail", "ocr_document_number_match_fail"}
)

// defaultSettings are the session settings a create request leaves out.
var defaultSettings = map[string]bool{
	"perform_image_manipulation_test": true, "perform_aamva_test": false, "perform_ofac_test": true,
	"collect_ip_data": true, "collect_location_data": true, "perform_age_test": true,
	"perform_gender_test": false, "perform_liveness_test": true,
}

// Capture is an image received for a session with the location sent with it.
type Capture struct {
	Image       []byte
	ContentType string
	Filename    string
	// Latitude and Longitude are the form values as sent.
	Latitude, Longitude string
	At                  time.Time
	RemoteAddr          string
}

// Event is one entry of a session's history.
type Event struct {
	Event    string `json:"event"`
	Endpoint string `json:"endpoint"`
}

// TestResults are the answer of the session test read.
type TestResults struct {
	DocFrontImageManipulation  string `json:"doc_front_image_manipulation"`
	DocFrontIsIdentityDocument string `json:"doc_front_is_identity_document"`
	DocFrontOnlineDuplication  string `json:"doc_front_online_duplication"`
	DocFrontSuspiciousWords    string `json:"doc_front_suspicious_words"`
	DocBackImageManipulation   string `json:"doc_back_image_manipulation"`
	DocBackIsIdentityDocument  string `json:"doc_back_is_identity_document"`
	DocBackOnlineDuplication   string `json:"doc_back_online_duplication"`
	DocBackSuspiciousWords     string `json:"doc_back_suspicious_words"`
	DMVDocumentNumberMatch     bool   `json:"dmv_document_number_match"`
	DMVDocumentExpirationMatch bool   `json:"dmv_document_expiration_match"`
	DMVDocumentIssueMatch      bool   `json:"dmv_document_issue_match"`
	DMVDocumentCategoryMatch   bool   `json:"dmv_document_category_match"`
	DMVBirthDateMatch          bool   `json:"dmv_birth_date_match"`
	DMVSexMatch                bool   `json:"dmv_sex_match"`
	DMVEyeColorMatch           bool   `json:"dmv_eye_color_match"`
	DMVHeightMatch             bool   `json:"dmv_height_match"`
	DMVWeightMatch             bool   `json:"dmv_weight_match"`
	DMVFirstNameMatch          bool   `json:"dmv_first_name_match"`
	DMVMiddleNameMatch         bool   `json:"dmv_middle_name_match"`
	DMVLastNameMatch           bool   `json:"dmv_last_name_match"`
	DMVSuffixNameMatch         bool   `json:"dmv_suffix_name_match"`
	DMVStreetMatch             bool   `json:"dmv_street_match"`
	DMVCityMatch               bool   `json:"dmv_city_match"`
	DMVStateMatch              bool   `json:"dmv_state_match"`
	DMVPostalCodeMatch         bool   `json:"dmv_postal_code_match"`
	DocumentNumberCrosscheck   bool   `json:"document_number_crosscheck"`
	NameCrosscheck             bool   `json:"name_crosscheck"`
	AddressCrosscheck          bool   `json:"address_crosscheck"`
}

// Session is one identity-verification session as the simulator holds it.
type Session struct {
	ID           string
	ClientID     string
	Status       string
	CreatedAt    time.Time
	CompletedAt  time.Time
	LivenessMode string
	WebhookURL   string
	Metadata     map[string]string
	Settings     map[string]bool
	AAMVARetry   string
	// SDKMetadata is the last sdk_metadata sent, member by member.
	SDKMetadata  map[string]json.RawMessage
	Consented    bool
	ConsentGiven bool // a consent answer (true or false) was recorded
	ConsentedAt  time.Time
	DocumentType string
	DocumentID   string
	Front, Back  *Capture
	// LivenessTokens counts the liveness sessions generated.
	LivenessTokens                      int
	LivenessLatitude, LivenessLongitude float64
	LivenessImages                      [][]byte
	LivenessDetected, SelfieGiven       bool
	LivenessAt                          time.Time
	FinalizeSettings                    map[string]json.RawMessage
	Verified, OnSanctionList            bool
	Score                               float64
	VerifiedAt                          time.Time
	Tests                               *TestResults
	IdentityID                          string
	History                             []Event
}

func cloneCapture(c *Capture) *Capture {
	if c == nil {
		return nil
	}
	d := *c
	d.Image = bytes.Clone(c.Image)
	return &d
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = bytes.Clone(v)
	}
	return out
}

// snapshot returns a deep copy.
func (s *Session) snapshot() Session {
	d := *s
	d.Metadata = maps.Clone(s.Metadata)
	d.Settings = maps.Clone(s.Settings)
	d.SDKMetadata = cloneRaw(s.SDKMetadata)
	d.FinalizeSettings = cloneRaw(s.FinalizeSettings)
	d.Front, d.Back = cloneCapture(s.Front), cloneCapture(s.Back)
	d.LivenessImages = make([][]byte, len(s.LivenessImages))
	for i, b := range s.LivenessImages {
		d.LivenessImages[i] = bytes.Clone(b)
	}
	d.History = slices.Clone(s.History)
	if s.Tests != nil {
		t := *s.Tests
		d.Tests = &t
	}
	return d
}

func (s *Session) event(name, endpoint string) {
	s.History = append(s.History, Event{Event: name, Endpoint: endpoint})
}

// needsBack reports whether the document type has a back side to capture.
func needsBack(docType string) bool {
	switch docType {
	case "driver_license", "identification_card", "passport_card":
		return true
	}
	return false
}

// holder is the holder data the simulator reads from sdk_metadata, where an
// SDK (or the station) puts what it read from the document; the real
// service would read it from the images.
type holder struct {
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
	SuffixName string `json:"suffix_name"`
	BirthDate  string `json:"birth_date"`
	Gender     string `json:"gender"`
	Street     string `json:"street"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
}

// docData is the document data read from sdk_metadata.document.
type docData struct {
	Number         string `json:"number"`
	IssuingCountry string `json:"issuing_country"`
	IssuingState   string `json:"issuing_state"`
	IssuedAt       string `json:"issued_at"`
	ExpiresAt      string `json:"expires_at"`
}

func (s *Session) holder() holder {
	var h holder
	if raw, ok := s.SDKMetadata["holder"]; ok {
		_ = json.Unmarshal(raw, &h)
	}
	return h
}

func (s *Session) document() docData {
	var d docData
	if raw, ok := s.SDKMetadata["document"]; ok {
		_ = json.Unmarshal(raw, &d)
	}
	return d
}

func genderE(g string) string {
	switch strings.ToUpper(g) {
	case "M", "MALE":
		return "male"
	case "F", "FEMALE":
		return "female"
	}
	return "unknown"
}

// isImage reports whether b starts like a JPEG, PNG or JPEG 2000 image.
func isImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) ||
		bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20}) ||
		bytes.HasPrefix(b, []byte{0xff, 0x4f, 0xff, 0x51})
}

// minDocumentImage is the size below which an image is not taken for an
// identity document.
const minDocumentImage = 256

// finalize computes the verdict. The caller holds the lock; others are the
// other sessions, for the duplication test.
func (s *Simulator) finalize(ss *Session, flags map[string]bool, others map[string]*Session) {
	set := func(name string) bool { return ss.Settings[name] }
	t := &TestResults{}
	failed := 0
	side := func(c *Capture, prefix string) (manip, isID, dup, words string) {
		if c == nil {
			return "skipped", "skipped", "skipped", "skipped"
		}
		verdict := func(fail bool) string {
			if fail {
				failed++
				return "fail"
			}
			return "pass"
		}
		manip = "skipped"
		if set("perform_image_manipulation_test") {
			manip = verdict(flags[prefix+"_image_manipulation_fail"] || !isImage(c.Image))
		}
		isID = verdict(flags[prefix+"_is_identity_document_fail"] || len(c.Image) < minDocumentImage)
		sum := sha256.Sum256(c.Image)
		seen := false
		for id, o := range others {
			if id == ss.ID {
				continue
			}
			for _, oc := range []*Capture{o.Front, o.Back} {
				if oc != nil && sha256.Sum256(oc.Image) == sum {
					seen = true
				}
			}
		}
		dup = verdict(flags[prefix+"_online_duplication_fail"] || seen)
		words = verdict(flags[prefix+"_suspicious_words_fail"])
		return
	}
	t.DocFrontImageManipulation, t.DocFrontIsIdentityDocument, t.DocFrontOnlineDuplication, t.DocFrontSuspiciousWords = side(ss.Front, "doc_front")
	t.DocBackImageManipulation, t.DocBackIsIdentityDocument, t.DocBackOnlineDuplication, t.DocBackSuspiciousWords = side(ss.Back, "doc_back")

	h, d := ss.holder(), ss.document()
	t.NameCrosscheck = h.LastName != "" && !flags["ocr_name_match_fail"]
	t.DocumentNumberCrosscheck = d.Number != "" && !flags["ocr_document_number_match_fail"]
	t.AddressCrosscheck = !flags["ocr_address_match_fail"]
	score := 100.0 - 15*float64(failed)
	for _, ok := range []bool{t.NameCrosscheck, t.DocumentNumberCrosscheck, t.AddressCrosscheck} {
		if !ok {
			failed++
			score -= 5
		}
	}
	if set("perform_aamva_test") {
		v := needsBack(ss.DocumentType) && ss.DocumentType != "passport_card"
		t.DMVDocumentNumberMatch, t.DMVDocumentExpirationMatch, t.DMVDocumentIssueMatch = v, v, v
		t.DMVBirthDateMatch, t.DMVFirstNameMatch, t.DMVLastNameMatch = v, v, v
	}
	if set("perform_liveness_test") && !ss.LivenessDetected {
		failed++
		score -= 40
	}
	if set("perform_age_test") {
		if born, err := time.Parse("2006-01-02", h.BirthDate); err == nil && born.AddDate(18, 0, 0).After(s.now()) {
			failed++
			score -= 20
		}
	}
	ss.OnSanctionList = set("perform_ofac_test") && s.sanction[strings.ToUpper(strings.TrimSpace(h.LastName))]
	ss.Score = max(score, 0)
	ss.Tests = t
	ss.Verified = failed == 0 && !ss.OnSanctionList
	now := s.now().UTC()
	ss.Status = StatusComplete
	ss.CompletedAt = now
	if ss.Verified {
		ss.VerifiedAt = now
		ss.IdentityID = s.newID("idn")
	}
}
