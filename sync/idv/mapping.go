package idv

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// Metadata keys the connector sets on every session it creates.
const (
	MetaTransactionID = "transaction_id"
	MetaPersonID      = "person_id"
	MetaIdentityID    = "identity_id"
	MetaStationID     = "station_id"
	MetaOperatorID    = "operator_id"
	MetaSource        = "source"
	// MetaContentHash is the hex SHA-256 of what the station sends for the
	// enrollment; a session found with the same transaction ID and another
	// hash holds different content (a conflict).
	MetaContentHash = "content_sha256"
	// SourceValue is the value of MetaSource.
	SourceValue = "capture-station"
)

// Check names for Config.Checks (registry.idv.checks), each enabling one
// perform_*_test setting of the session.
const (
	CheckImageManipulation = "image_manipulation"
	CheckAAMVA             = "aamva"
	CheckOFAC              = "ofac"
	CheckAge               = "age"
	CheckGender            = "gender"
	CheckLiveness          = "liveness"
)

// AllChecks lists the known check names.
var AllChecks = []string{CheckImageManipulation, CheckAAMVA, CheckOFAC, CheckAge, CheckGender, CheckLiveness}

// DefaultChecks are the checks used when Config.Checks is empty. AAMVA (US
// driving-licence data) and gender estimation are off.
var DefaultChecks = []string{CheckImageManipulation, CheckOFAC, CheckAge, CheckLiveness}

// Document types (document_type_e).
const (
	DocTypeUnknown            = "unknown"
	DocTypePassport           = "passport"
	DocTypeIdentificationCard = "identification_card"
)

// plan is everything a delivery sends, derived from one enrollment.
type plan struct {
	metadata    map[string]string
	settings    map[string]bool
	sdkMetadata map[string]any
	docType     string
	front, back *enrollment.Image
	face        *enrollment.Image
	hash        string
}

// DocumentType maps the station's document type onto document_type_e.
func DocumentType(t enrollment.DocumentType) string {
	switch t {
	case enrollment.DocPassport:
		return DocTypePassport
	case enrollment.DocIDCard:
		return DocTypeIdentificationCard
	}
	return DocTypeUnknown
}

// primaryDocument returns the index of the document whose images are sent:
// the first passport or identity card with a page image, else the first
// document with one; -1 when no document has a page image.
func primaryDocument(docs []enrollment.Document) int {
	first := -1
	for i, d := range docs {
		if len(d.Pages) == 0 {
			continue
		}
		if d.Type == enrollment.DocPassport || d.Type == enrollment.DocIDCard {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// sides picks the front and back page images: the pages numbered 1 and 2,
// else the unnumbered pages in order.
func sides(pages []enrollment.Image) (front, back *enrollment.Image) {
	var rest []*enrollment.Image
	for i := range pages {
		switch pages[i].Page {
		case 0:
			rest = append(rest, &pages[i])
		case 1:
			if front == nil {
				front = &pages[i]
			}
		case 2:
			if back == nil {
				back = &pages[i]
			}
		}
	}
	if front == nil && len(rest) > 0 {
		front, rest = rest[0], rest[1:]
	}
	if back == nil && len(rest) > 0 {
		back = rest[0]
	}
	if front == nil && len(pages) > 0 {
		front = &pages[0]
	}
	return front, back
}

// buildPlan maps e onto the session's calls. Errors are the enrollment's
// (permanent).
func buildPlan(e *enrollment.Enrollment, checks map[string]bool) (*plan, error) {
	p := &plan{
		metadata: map[string]string{
			MetaTransactionID: e.TransactionID, MetaPersonID: e.PersonID, MetaIdentityID: e.IdentityID,
			MetaSource: SourceValue,
		},
		docType: DocTypeUnknown,
	}
	if e.StationID != "" {
		p.metadata[MetaStationID] = e.StationID
	}
	if e.OperatorID != "" {
		p.metadata[MetaOperatorID] = e.OperatorID
	}
	idx := primaryDocument(e.Documents)
	if idx < 0 {
		return nil, errors.New("the enrollment has no document page image; the identity-verification service needs the document's front image: capture the document and complete the enrollment again")
	}
	doc := e.Documents[idx]
	p.docType = DocumentType(doc.Type)
	p.front, p.back = sides(doc.Pages)
	if p.docType == DocTypePassport {
		p.back = nil // a passport has only its data page
	}
	if p.docType == DocTypeIdentificationCard && p.back == nil {
		return nil, fmt.Errorf("document %d (identity card) has no back page image; the service needs both sides: capture the back and complete the enrollment again", idx+1)
	}
	for _, img := range []*enrollment.Image{p.front, p.back} {
		if img != nil && len(img.Data) == 0 {
			return nil, fmt.Errorf("document %d has an empty page image", idx+1)
		}
	}
	if e.Face != nil && len(e.Face.Image.Data) > 0 {
		p.face = &e.Face.Image
	}
	p.settings = map[string]bool{
		"perform_image_manipulation_test": checks[CheckImageManipulation],
		"perform_aamva_test":              checks[CheckAAMVA],
		"perform_ofac_test":               checks[CheckOFAC],
		"perform_age_test":                checks[CheckAge],
		"perform_gender_test":             checks[CheckGender],
		"perform_liveness_test":           checks[CheckLiveness] && p.face != nil,
		"collect_ip_data":                 false,
		"collect_location_data":           true,
	}
	p.sdkMetadata = sdkMetadata(e, idx)
	h, err := contentHash(p)
	if err != nil {
		return nil, err
	}
	p.hash = h
	p.metadata[MetaContentHash] = h
	return p, nil
}

// sdkMetadata carries what the session's own calls have no member for.
// Holder and document members use the service's field names where it has
// them (first_name, birth_date, issuing_country, expires_at, …).
func sdkMetadata(e *enrollment.Enrollment, primary int) map[string]any {
	b := e.Biographic
	holder := omitEmpty(map[string]any{
		"first_name": b.FirstName, "last_name": b.LastName, "birth_date": b.DateOfBirth,
		"gender": b.Gender, "nationality": b.Nationality, "place_of_birth": b.PlaceOfBirth,
	})
	if len(b.Extra) > 0 {
		holder["extra"] = b.Extra
	}
	m := map[string]any{
		"schema":         "capture-station/1",
		"transaction_id": e.TransactionID,
		"person_id":      e.PersonID,
		"identity_id":    e.IdentityID,
		"station":        stationMeta(e),
		"holder":         holder,
		"document":       documentMeta(e.Documents[primary], primary),
	}
	var others []any
	for i, d := range e.Documents {
		if i != primary {
			others = append(others, documentMeta(d, i))
		}
	}
	if len(others) > 0 {
		m["other_documents"] = others
	}
	if e.Face != nil {
		f := imageMeta(e.Face.Image)
		f["quality"] = e.Face.Quality
		if e.Face.QualityFormat != "" {
			f["quality_format"] = e.Face.QualityFormat
		}
		m["face"] = f
	}
	if l := e.Liveness; l != nil {
		lv := map[string]any{"live": l.Live, "score": l.Score}
		if l.Method != "" {
			lv["method"] = l.Method
		}
		if len(l.Reasons) > 0 {
			lv["reasons"] = l.Reasons
		}
		m["liveness"] = lv
	}
	if len(e.Fingers) > 0 {
		fingers := make([]any, 0, len(e.Fingers))
		for _, f := range e.Fingers {
			fm := omitEmpty(map[string]any{
				"position": string(f.Position), "quality_format": f.QualityFormat,
				"impression_type": f.ImpressionType, "missing": string(f.Missing),
			})
			if f.Image != nil {
				fm["quality"] = f.Quality
				fm["captured"] = true
			}
			fingers = append(fingers, fm)
		}
		m["fingers"] = fingers
	}
	return m
}

func stationMeta(e *enrollment.Enrollment) map[string]any {
	s := omitEmpty(map[string]any{
		"station_id": e.StationID, "operator_id": e.OperatorID,
		"created_at": timeString(e.CreatedAt), "completed_at": timeString(e.CompletedAt),
	})
	if c := e.Contextual; c != nil {
		for k, v := range omitEmpty(map[string]any{"enrollment_date": c.EnrollmentDate, "location": c.Location}) {
			s[k] = v
		}
		if len(c.Extra) > 0 {
			s["extra"] = c.Extra
		}
	}
	return s
}

func documentMeta(d enrollment.Document, index int) map[string]any {
	m := omitEmpty(map[string]any{
		"station_type": string(d.Type), "type_e": DocumentType(d.Type), "number": d.Number,
		"issuing_country": d.IssuingState, "expires_at": d.DateOfExpiry, "mrz": d.MRZ,
		"passive_auth": d.PassiveAuth,
	})
	m["index"] = index
	m["pages"] = len(d.Pages)
	if len(d.ChipDataGroups) > 0 || len(d.ChipSOD) > 0 {
		chip := map[string]any{}
		if len(d.ChipDataGroups) > 0 {
			dgs := make(map[string]string, len(d.ChipDataGroups))
			for n, b := range d.ChipDataGroups {
				dgs[strconv.Itoa(n)] = base64.StdEncoding.EncodeToString(b)
			}
			chip["data_groups"] = dgs
		}
		if len(d.ChipSOD) > 0 {
			chip["sod"] = base64.StdEncoding.EncodeToString(d.ChipSOD)
		}
		m["chip"] = chip
	}
	return m
}

func imageMeta(img enrollment.Image) map[string]any {
	m := omitEmpty(map[string]any{"format": img.Format, "captured_at": timeString(img.CapturedAt), "device": img.Device})
	for k, v := range map[string]int{"width": img.Width, "height": img.Height, "resolution": img.Resolution} {
		if v != 0 {
			m[k] = v
		}
	}
	return m
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func omitEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	return m
}

// contentHash digests what the station sends for the enrollment (not the
// session settings nor the location, which are the station's configuration).
func contentHash(p *plan) (string, error) {
	digest := func(img *enrollment.Image) string {
		if img == nil {
			return ""
		}
		s := sha256.Sum256(img.Data)
		return hex.EncodeToString(s[:])
	}
	meta := make(map[string]string, len(p.metadata))
	for k, v := range p.metadata {
		if k != MetaContentHash {
			meta[k] = v
		}
	}
	b, err := json.Marshal(map[string]any{
		"metadata": meta, "sdk_metadata": p.sdkMetadata, "document_type": p.docType,
		"front": digest(p.front), "back": digest(p.back), "face": digest(p.face),
	})
	if err != nil {
		return "", fmt.Errorf("digest the enrollment: %w", err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

// checkSet validates check names.
func checkSet(names []string) (map[string]bool, error) {
	if len(names) == 0 {
		names = DefaultChecks
	}
	set := map[string]bool{}
	for _, n := range names {
		if !slices.Contains(AllChecks, n) {
			return nil, fmt.Errorf("registry.idv.checks: unknown check %q; known checks: %v", n, AllChecks)
		}
		set[n] = true
	}
	return set, nil
}

// filename names an uploaded page image.
func filename(side string, img *enrollment.Image) string {
	ext := ".bin"
	switch img.Format {
	case "JPEG":
		ext = ".jpg"
	case "PNG":
		ext = ".png"
	case "JPEG2000":
		ext = ".jp2"
	case "WSQ":
		ext = ".wsq"
	}
	return "document_" + side + ext
}
