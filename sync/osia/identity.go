package osia

import (
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"slices"
	"strconv"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// Wire types of OSIA PR v1.5 (components/schemas in pr.yaml). Every schema
// marked additionalProperties:false is a struct here, so a strict decoder
// rejects what the registry would reject.

// identityDoc is the OSIA Identity object.
type identityDoc struct {
	// IdentityID, CreatedDate and UpdatedDate are set by the registry; the
	// station never sends them but accepts them in imported documents.
	IdentityID     string                     `json:"identityId,omitempty"`
	IdentityType   string                     `json:"identityType"`
	Status         string                     `json:"status"`
	CreatedDate    string                     `json:"createdDate,omitempty"`
	UpdatedDate    string                     `json:"updatedDate,omitempty"`
	Galleries      []string                   `json:"galleries,omitempty"`
	ClientData     []byte                     `json:"clientData,omitempty"`
	ContextualData map[string]json.RawMessage `json:"contextualData,omitempty"`
	BiographicData map[string]json.RawMessage `json:"biographicData,omitempty"`
	BiometricData  []biometric                `json:"biometricData,omitempty"`
	DocumentData   []document                 `json:"documentData,omitempty"`
	Encryption     json.RawMessage            `json:"encryption,omitempty"`
	Integrity      []Integrity                `json:"integrity,omitempty"`
}

// biometric is the OSIA BiometricData object.
type biometric struct {
	BiometricType    string          `json:"biometricType"`
	BiometricSubType string          `json:"biometricSubType,omitempty"`
	Instance         string          `json:"instance,omitempty"`
	IdentityID       string          `json:"identityId,omitempty"`
	Image            []byte          `json:"image,omitempty"`
	ImageRef         string          `json:"imageRef,omitempty"`
	CaptureDate      string          `json:"captureDate,omitempty"`
	CaptureDevice    string          `json:"captureDevice,omitempty"`
	ImpressionType   string          `json:"impressionType,omitempty"`
	Width            int             `json:"width,omitempty"`
	Height           int             `json:"height,omitempty"`
	BitDepth         int             `json:"bitdepth,omitempty"`
	MimeType         string          `json:"mimeType,omitempty"`
	Resolution       int             `json:"resolution,omitempty"`
	Compression      string          `json:"compression,omitempty"`
	Missing          []missing       `json:"missing,omitempty"`
	Metadata         string          `json:"metadata,omitempty"`
	Comment          string          `json:"comment,omitempty"`
	Template         string          `json:"template,omitempty"`
	TemplateRef      string          `json:"templateRef,omitempty"`
	TemplateFormat   string          `json:"templateFormat,omitempty"`
	Quality          int             `json:"quality,omitempty"`
	QualityFormat    string          `json:"qualityFormat,omitempty"`
	Algorithm        string          `json:"algorithm,omitempty"`
	Vendor           string          `json:"vendor,omitempty"`
	Encryption       json.RawMessage `json:"encryption,omitempty"`
	Integrity        []Integrity     `json:"integrity,omitempty"`
}

// missing is the OSIA MissingType object.
type missing struct {
	BiometricSubType string `json:"biometricSubType,omitempty"`
	Presence         string `json:"presence,omitempty"`
}

// document is the OSIA DocumentData object.
type document struct {
	DocumentType      string      `json:"documentType"`
	DocumentTypeOther string      `json:"documentTypeOther,omitempty"`
	Instance          string      `json:"instance,omitempty"`
	Parts             []part      `json:"parts"`
	Integrity         []Integrity `json:"integrity,omitempty"`
}

// part is the OSIA DocumentPart object.
type part struct {
	Pages         []int           `json:"pages,omitempty"`
	Data          []byte          `json:"data,omitempty"`
	DataRef       string          `json:"dataRef,omitempty"`
	Width         int             `json:"width,omitempty"`
	Height        int             `json:"height,omitempty"`
	MimeType      string          `json:"mimeType,omitempty"`
	CaptureDate   string          `json:"captureDate,omitempty"`
	CaptureDevice string          `json:"captureDevice,omitempty"`
	Encryption    json.RawMessage `json:"encryption,omitempty"`
	Integrity     []Integrity     `json:"integrity,omitempty"`
}

// Integrity is the OSIA Integrity object: a hash over the JSON nodes named by
// Scope, canonicalized with RFC 8785, optionally signed.
type Integrity struct {
	ID           string `json:"id,omitempty"`
	Type         string `json:"type,omitempty"`
	Scope        string `json:"scope"`
	Alg          string `json:"alg"`
	Encrypted    bool   `json:"encrypted,omitempty"`
	FollowRef    bool   `json:"followRef,omitempty"`
	Hash         string `json:"hash"`
	Signature    string `json:"signature,omitempty"`
	SignatureRef string `json:"signatureRef,omitempty"`
}

// Chip data travels as document parts with this media type and a "dg"
// parameter (the data group number) or "part=sod" for the document
// security object.
const ldsMediaType = "application/vnd.icao.lds"

// Contextual data members the station writes itself.
const (
	ctxEnrollmentDate = "enrollmentDate"
	ctxLocation       = "location"
	ctxStationID      = "stationId"
	ctxOperatorID     = "operatorId"
	ctxLiveness       = "liveness"
	ctxDocuments      = "documents"
)

// documentInfo carries the document fields DocumentData has no member for.
type documentInfo struct {
	Index        int    `json:"index"`
	IssuingState string `json:"issuingState,omitempty"`
	DateOfExpiry string `json:"dateOfExpiry,omitempty"`
	MRZ          string `json:"mrz,omitempty"`
	PassiveAuth  string `json:"passiveAuth,omitempty"`
}

// buildIdentity maps an enrollment to the Identity the registry receives
// (without identityId, which travels in the URL, and without integrity).
func buildIdentity(e *enrollment.Enrollment, defaults Config) (*identityDoc, error) {
	doc := &identityDoc{
		IdentityType: e.IdentityType,
		Status:       "CLAIMED",
		Galleries:    e.Galleries,
	}
	if doc.IdentityType == "" {
		doc.IdentityType = defaults.IdentityType
	}
	if len(doc.Galleries) == 0 {
		doc.Galleries = defaults.Galleries
	}
	var err error
	if doc.BiographicData, err = biographicMembers(e.Biographic); err != nil {
		return nil, err
	}
	if doc.ContextualData, err = contextualMembers(e); err != nil {
		return nil, err
	}
	if e.Face != nil {
		b := imageBiometric(e.Face.Image)
		b.BiometricType, b.BiometricSubType = "FACE", "PORTRAIT"
		b.Quality, b.QualityFormat = e.Face.Quality, e.Face.QualityFormat
		doc.BiometricData = append(doc.BiometricData, b)
	}
	for _, f := range e.Fingers {
		var b biometric
		if f.Image != nil {
			b = imageBiometric(*f.Image)
			b.ImpressionType, b.Quality, b.QualityFormat = f.ImpressionType, f.Quality, f.QualityFormat
		} else {
			b.Missing = []missing{{BiometricSubType: string(f.Position), Presence: string(f.Missing)}}
		}
		b.BiometricType, b.BiometricSubType = "FINGER", string(f.Position)
		doc.BiometricData = append(doc.BiometricData, b)
	}
	for _, d := range e.Documents {
		od := document{DocumentType: string(d.Type), Instance: d.Number}
		for _, p := range d.Pages {
			op := part{Data: p.Data, Width: p.Width, Height: p.Height, MimeType: p.MimeType(),
				CaptureDate: formatTime(p.CapturedAt), CaptureDevice: p.Device}
			if p.Page > 0 {
				op.Pages = []int{p.Page}
			}
			od.Parts = append(od.Parts, op)
		}
		for _, dg := range slices.Sorted(maps.Keys(d.ChipDataGroups)) {
			od.Parts = append(od.Parts, part{Data: d.ChipDataGroups[dg],
				MimeType: mime.FormatMediaType(ldsMediaType, map[string]string{"dg": strconv.Itoa(dg)})})
		}
		if len(d.ChipSOD) > 0 {
			od.Parts = append(od.Parts, part{Data: d.ChipSOD,
				MimeType: mime.FormatMediaType(ldsMediaType, map[string]string{"part": "sod"})})
		}
		if len(od.Parts) == 0 {
			return nil, fmt.Errorf("osia: document %d (%s) has no page image or chip data; OSIA needs at least one part", len(doc.DocumentData), d.Type)
		}
		doc.DocumentData = append(doc.DocumentData, od)
	}
	return doc, nil
}

func imageBiometric(img enrollment.Image) biometric {
	return biometric{
		Image: img.Data, MimeType: img.MimeType(), Compression: img.Format,
		Width: img.Width, Height: img.Height, Resolution: img.Resolution, BitDepth: img.BitDepth,
		CaptureDate: formatTime(img.CapturedAt), CaptureDevice: img.Device,
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func biographicMembers(b enrollment.Biographic) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for k, v := range b.Extra {
		if err := putString(out, k, v); err != nil {
			return nil, err
		}
	}
	for k, v := range map[string]string{
		"firstName": b.FirstName, "lastName": b.LastName, "dateOfBirth": b.DateOfBirth,
		"gender": b.Gender, "nationality": b.Nationality, "placeOfBirth": b.PlaceOfBirth,
	} {
		if v != "" {
			if err := putString(out, k, v); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func contextualMembers(e *enrollment.Enrollment) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	put := func(k string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("osia: encode contextualData.%s: %w", k, err)
		}
		out[k] = b
		return nil
	}
	if c := e.Contextual; c != nil {
		for k, v := range c.Extra {
			if err := put(k, v); err != nil {
				return nil, err
			}
		}
		if c.EnrollmentDate != "" {
			out[ctxEnrollmentDate], _ = json.Marshal(c.EnrollmentDate)
		}
		if c.Location != "" {
			out[ctxLocation], _ = json.Marshal(c.Location)
		}
	}
	if e.StationID != "" {
		out[ctxStationID], _ = json.Marshal(e.StationID)
	}
	if e.OperatorID != "" {
		out[ctxOperatorID], _ = json.Marshal(e.OperatorID)
	}
	if e.Liveness != nil {
		if err := put(ctxLiveness, e.Liveness); err != nil {
			return nil, err
		}
	}
	var infos []documentInfo
	for i, d := range e.Documents {
		if d.IssuingState != "" || d.DateOfExpiry != "" || d.MRZ != "" || d.PassiveAuth != "" {
			infos = append(infos, documentInfo{Index: i, IssuingState: d.IssuingState,
				DateOfExpiry: d.DateOfExpiry, MRZ: d.MRZ, PassiveAuth: d.PassiveAuth})
		}
	}
	if len(infos) > 0 {
		if err := put(ctxDocuments, infos); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func putString(m map[string]json.RawMessage, k, v string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("osia: encode %s: %w", k, err)
	}
	m[k] = b
	return nil
}
