package osia

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"slices"
	"strconv"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// Limits on imported documents.
const (
	// MaxIdentityBytes bounds an Identity document given to ParseIdentity.
	MaxIdentityBytes = 64 << 20
	// maxItems bounds biometricData, documentData and parts entries.
	maxItems = 64
	// maxMembers bounds the members of biographicData and contextualData.
	maxMembers = 256
	// maxString bounds a biographic or contextual value.
	maxString = 4096
)

// ErrImport is wrapped by every error ParseIdentity returns.
var ErrImport = errors.New("osia: identity not importable")

// ImportOptions give an imported identity its station context.
type ImportOptions struct {
	// PersonID is the registry person the identity is for; a new one is
	// generated when empty.
	PersonID string
	// StationID and OperatorID record who imported it.
	StationID, OperatorID string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func importErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrImport, fmt.Sprintf(format, args...))
}

// ParseIdentity reads an OSIA v1.5 Identity document (as a registry would
// accept it) into a new enrollment with fresh identifiers. It is strict:
// members the schema does not define, data by reference, templates,
// encryption and biometrics a station enrollment cannot hold are refused
// with an error naming the member, so nothing is dropped silently.
// Integrity blocks are ignored: the station signs what it sends itself.
func ParseIdentity(data []byte, opt ImportOptions) (*enrollment.Enrollment, error) {
	if len(data) > MaxIdentityBytes {
		return nil, importErr("document is larger than %d MiB", MaxIdentityBytes>>20)
	}
	var doc identityDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, importErr("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, importErr("unexpected data after the Identity object")
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	e := enrollment.New(opt.StationID, opt.OperatorID, now())
	e.CompletedAt = e.CreatedAt
	if opt.PersonID != "" {
		e.PersonID = opt.PersonID
	}
	switch doc.Status {
	case "", "CLAIMED", "VALID", "INVALID", "REVOKED":
	default:
		return nil, importErr("status %q is not one of CLAIMED, VALID, INVALID, REVOKED", doc.Status)
	}
	if doc.Encryption != nil {
		return nil, importErr("encrypted identities cannot be imported; send the clear document")
	}
	if len(doc.ClientData) > 0 {
		return nil, importErr("clientData is not kept by the station")
	}
	e.IdentityType = doc.IdentityType
	if len(doc.Galleries) > maxItems {
		return nil, importErr("more than %d galleries", maxItems)
	}
	e.Galleries = doc.Galleries
	var err error
	if e.Biographic, err = parseBiographic(doc.BiographicData); err != nil {
		return nil, err
	}
	ctx, err := parseContextual(doc.ContextualData)
	if err != nil {
		return nil, err
	}
	e.Contextual, e.Liveness = ctx.contextual, ctx.liveness
	if len(doc.BiometricData) > maxItems || len(doc.DocumentData) > maxItems {
		return nil, importErr("more than %d biometricData or documentData entries", maxItems)
	}
	for i, b := range doc.BiometricData {
		if err := addBiometric(e, b); err != nil {
			return nil, importErr("biometricData[%d]: %v", i, err)
		}
	}
	for i, d := range doc.DocumentData {
		ed, err := parseDocument(d)
		if err != nil {
			return nil, importErr("documentData[%d]: %v", i, err)
		}
		e.Documents = append(e.Documents, ed)
	}
	for _, info := range ctx.documents {
		if info.Index < 0 || info.Index >= len(e.Documents) {
			return nil, importErr("contextualData.documents names document %d, which is not in documentData", info.Index)
		}
		d := &e.Documents[info.Index]
		d.IssuingState, d.DateOfExpiry, d.MRZ, d.PassiveAuth = info.IssuingState, info.DateOfExpiry, info.MRZ, info.PassiveAuth
	}
	if err := e.Validate(); err != nil {
		return nil, importErr("%v", err)
	}
	return e, nil
}

func stringMember(k string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s must be a string", k)
	}
	if len(s) > maxString {
		return "", fmt.Errorf("%s is longer than %d bytes", k, maxString)
	}
	return s, nil
}

func parseBiographic(m map[string]json.RawMessage) (enrollment.Biographic, error) {
	var b enrollment.Biographic
	if len(m) > maxMembers {
		return b, importErr("biographicData has more than %d members", maxMembers)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, err := stringMember(k, m[k])
		if err != nil {
			return b, importErr("biographicData.%v", err)
		}
		switch k {
		case "firstName":
			b.FirstName = v
		case "lastName":
			b.LastName = v
		case "dateOfBirth":
			b.DateOfBirth = v
		case "gender":
			b.Gender = v
		case "nationality":
			b.Nationality = v
		case "placeOfBirth":
			b.PlaceOfBirth = v
		default:
			if b.Extra == nil {
				b.Extra = map[string]string{}
			}
			b.Extra[k] = v
		}
	}
	return b, nil
}

type contextual struct {
	contextual *enrollment.Contextual
	liveness   *enrollment.Liveness
	documents  []documentInfo
}

func parseContextual(m map[string]json.RawMessage) (contextual, error) {
	var out contextual
	if len(m) > maxMembers {
		return out, importErr("contextualData has more than %d members", maxMembers)
	}
	c := &enrollment.Contextual{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		switch k {
		case ctxStationID, ctxOperatorID:
			// Replaced by the importing station and operator.
			continue
		case ctxLiveness:
			var l enrollment.Liveness
			if err := strictUnmarshal(raw, &l); err != nil {
				return out, importErr("contextualData.liveness: %v", err)
			}
			out.liveness = &l
			continue
		case ctxDocuments:
			if err := strictUnmarshal(raw, &out.documents); err != nil {
				return out, importErr("contextualData.documents: %v", err)
			}
			if len(out.documents) > maxItems {
				return out, importErr("contextualData.documents has more than %d entries", maxItems)
			}
			continue
		}
		v, err := stringMember(k, raw)
		if err != nil {
			return out, importErr("contextualData.%v", err)
		}
		switch k {
		case ctxEnrollmentDate:
			c.EnrollmentDate = v
		case ctxLocation:
			c.Location = v
		default:
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[k] = v
		}
	}
	if c.EnrollmentDate != "" || c.Location != "" || len(c.Extra) > 0 {
		out.contextual = c
	}
	return out, nil
}

func strictUnmarshal(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("captureDate %q is not an RFC 3339 date-time", s)
	}
	return t, nil
}

// formatOf names the encoding of an image from OSIA's compression and mimeType.
func formatOf(compression, mimeType string) (string, error) {
	switch compression {
	case "WSQ", "JPEG", "JPEG2000", "PNG":
		return compression, nil
	case "", "NONE":
	default:
		return "", fmt.Errorf("compression %q is not one of WSQ, JPEG, JPEG2000, PNG", compression)
	}
	mt, _, _ := mime.ParseMediaType(mimeType)
	switch mt {
	case "image/x-wsq", "image/wsq":
		return "WSQ", nil
	case "image/jpeg":
		return "JPEG", nil
	case "image/jp2", "image/jpx":
		return "JPEG2000", nil
	case "image/png":
		return "PNG", nil
	}
	return "", fmt.Errorf("image encoding is unknown (compression %q, mimeType %q); use WSQ, JPEG, JPEG 2000 or PNG", compression, mimeType)
}

func addBiometric(e *enrollment.Enrollment, b biometric) error {
	switch {
	case b.ImageRef != "":
		return errors.New("imageRef is not supported; embed the image")
	case b.Template != "" || b.TemplateRef != "":
		return errors.New("templates are not kept by the station; send the image")
	case b.Encryption != nil:
		return errors.New("encrypted biometrics cannot be imported")
	}
	img := func() (*enrollment.Image, error) {
		if len(b.Image) == 0 {
			return nil, errors.New("no image")
		}
		format, err := formatOf(b.Compression, b.MimeType)
		if err != nil {
			return nil, err
		}
		at, err := parseTime(b.CaptureDate)
		if err != nil {
			return nil, err
		}
		if b.Width < 0 || b.Height < 0 || b.Resolution < 0 || b.BitDepth < 0 {
			return nil, errors.New("negative image dimension")
		}
		return &enrollment.Image{Format: format, Data: b.Image, Width: b.Width, Height: b.Height,
			Resolution: b.Resolution, BitDepth: b.BitDepth, CapturedAt: at, Device: b.CaptureDevice}, nil
	}
	if b.Quality < 0 || b.Quality > 100 {
		return fmt.Errorf("quality %d is outside 0–100", b.Quality)
	}
	switch b.BiometricType {
	case "FACE":
		if b.BiometricSubType != "" && b.BiometricSubType != "PORTRAIT" {
			return fmt.Errorf("face subtype %q is not PORTRAIT", b.BiometricSubType)
		}
		if e.Face != nil {
			return errors.New("a second portrait; an enrollment holds one face")
		}
		im, err := img()
		if err != nil {
			return fmt.Errorf("face: %w", err)
		}
		e.Face = &enrollment.Face{Image: *im, Quality: b.Quality, QualityFormat: b.QualityFormat}
		return nil
	case "FINGER":
		f := enrollment.Finger{Position: enrollment.Position(b.BiometricSubType),
			ImpressionType: b.ImpressionType, Quality: b.Quality, QualityFormat: b.QualityFormat}
		if !knownPosition(f.Position) {
			return fmt.Errorf("finger subtype %q is not a finger position", b.BiometricSubType)
		}
		if len(b.Missing) > 0 {
			if len(b.Image) > 0 {
				return errors.New("a finger with both an image and a missing entry")
			}
			m := b.Missing[0]
			switch enrollment.MissingReason(m.Presence) {
			case enrollment.Bandaged, enrollment.Amputated, enrollment.Damaged:
			default:
				return fmt.Errorf("missing presence %q is not BANDAGED, AMPUTATED or DAMAGED", m.Presence)
			}
			f.Missing = enrollment.MissingReason(m.Presence)
		} else {
			im, err := img()
			if err != nil {
				return fmt.Errorf("finger %s: %w", f.Position, err)
			}
			f.Image = im
		}
		e.Fingers = append(e.Fingers, f)
		return nil
	}
	return fmt.Errorf("biometricType %q is not held by a station enrollment (FACE and FINGER are)", b.BiometricType)
}

func knownPosition(p enrollment.Position) bool {
	switch p {
	case enrollment.RightThumb, enrollment.RightIndex, enrollment.RightMiddle, enrollment.RightRing, enrollment.RightLittle,
		enrollment.LeftThumb, enrollment.LeftIndex, enrollment.LeftMiddle, enrollment.LeftRing, enrollment.LeftLittle,
		enrollment.RightFour, enrollment.LeftFour, enrollment.Thumbs:
		return true
	}
	return false
}

func parseDocument(d document) (enrollment.Document, error) {
	ed := enrollment.Document{Type: enrollment.DocumentType(d.DocumentType), Number: d.Instance}
	switch ed.Type {
	case enrollment.DocIDCard, enrollment.DocPassport, enrollment.DocBirthCertificate,
		enrollment.DocForm, enrollment.DocOther, enrollment.DocInvoice:
	default:
		return ed, fmt.Errorf("documentType %q is not an OSIA DocumentType", d.DocumentType)
	}
	if d.DocumentTypeOther != "" {
		return ed, errors.New("documentTypeOther is not kept by the station")
	}
	if len(d.Parts) == 0 || len(d.Parts) > maxItems {
		return ed, fmt.Errorf("parts must hold 1 to %d entries", maxItems)
	}
	for i, p := range d.Parts {
		if p.DataRef != "" {
			return ed, fmt.Errorf("parts[%d]: dataRef is not supported; embed the data", i)
		}
		if p.Encryption != nil {
			return ed, fmt.Errorf("parts[%d]: encrypted parts cannot be imported", i)
		}
		if len(p.Data) == 0 {
			return ed, fmt.Errorf("parts[%d]: no data", i)
		}
		if mt, params, err := mime.ParseMediaType(p.MimeType); err == nil && mt == ldsMediaType {
			if params["part"] == "sod" {
				ed.ChipSOD = p.Data
				continue
			}
			dg, err := strconv.Atoi(params["dg"])
			if err != nil || dg < 1 || dg > 16 {
				return ed, fmt.Errorf("parts[%d]: chip data needs dg=1…16 or part=sod", i)
			}
			if ed.ChipDataGroups == nil {
				ed.ChipDataGroups = map[int][]byte{}
			}
			ed.ChipDataGroups[dg] = p.Data
			continue
		}
		if len(p.Pages) > 1 {
			return ed, fmt.Errorf("parts[%d]: a part with several pages is not supported; send one part per page", i)
		}
		format, err := formatOf("", p.MimeType)
		if err != nil {
			return ed, fmt.Errorf("parts[%d]: %w", i, err)
		}
		at, err := parseTime(p.CaptureDate)
		if err != nil {
			return ed, fmt.Errorf("parts[%d]: %w", i, err)
		}
		img := enrollment.Image{Format: format, Data: p.Data, Width: p.Width, Height: p.Height, CapturedAt: at, Device: p.CaptureDevice}
		if len(p.Pages) == 1 {
			if p.Pages[0] < 1 {
				return ed, fmt.Errorf("parts[%d]: page %d is not a page number", i, p.Pages[0])
			}
			img.Page = p.Pages[0]
		}
		ed.Pages = append(ed.Pages, img)
	}
	return ed, nil
}
