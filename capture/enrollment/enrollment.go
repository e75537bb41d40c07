package enrollment

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Enrollment is one person's identity as captured at a station: the record
// every capture step fills and the store seals. Its three identifiers are
// generated at the station when the enrollment starts and never change, so a
// registry sees the same IDs however often a delivery is retried.
type Enrollment struct {
	// TransactionID identifies the enrollment end to end; it is the outbox key
	// and the transactionId sent with every registry call.
	TransactionID string `json:"transactionId"`
	// PersonID is the registry person the identity belongs to.
	PersonID string `json:"personId"`
	// IdentityID is the identity this enrollment creates for the person.
	IdentityID string `json:"identityId"`
	// StationID names the station that captured the enrollment.
	StationID string `json:"stationId"`
	// OperatorID names the operator who captured it.
	OperatorID string `json:"operatorId"`
	// CreatedAt is when the enrollment was started.
	CreatedAt time.Time `json:"createdAt"`
	// CompletedAt is when the operator confirmed it (zero while a draft).
	CompletedAt time.Time `json:"completedAt,omitzero"`

	Biographic Biographic `json:"biographic"`
	Documents  []Document `json:"documents,omitempty"`
	Face       *Face      `json:"face,omitempty"`
	Fingers    []Finger   `json:"fingers,omitempty"`
	Liveness   *Liveness  `json:"liveness,omitempty"`
	Galleries  []string   `json:"galleries,omitempty"`
	// IdentityType is the registry identity type (OSIA identityType, for
	// example CIVIL); empty means the station's configured default.
	IdentityType string      `json:"identityType,omitempty"`
	Contextual   *Contextual `json:"contextual,omitempty"`
}

// Biographic is the applicant's biographic data. Field names follow the OSIA
// BiographicData example (firstName, lastName, dateOfBirth, gender,
// nationality); Extra carries any further attributes a deployment collects.
type Biographic struct {
	FirstName    string            `json:"firstName,omitempty"`
	LastName     string            `json:"lastName,omitempty"`
	DateOfBirth  string            `json:"dateOfBirth,omitempty"` // YYYY-MM-DD
	Gender       string            `json:"gender,omitempty"`      // M, F or X (ICAO 9303)
	Nationality  string            `json:"nationality,omitempty"` // ICAO 9303 three-letter code
	PlaceOfBirth string            `json:"placeOfBirth,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// Contextual is data about the enrollment itself rather than the person.
type Contextual struct {
	EnrollmentDate string            `json:"enrollmentDate,omitempty"` // YYYY-MM-DD
	Location       string            `json:"location,omitempty"`
	Extra          map[string]string `json:"extra,omitempty"`
}

// DocumentType is the kind of identity document, as OSIA's DocumentType.
type DocumentType string

// Document types (OSIA PR v1.5 DocumentType).
const (
	DocIDCard           DocumentType = "ID_CARD"
	DocPassport         DocumentType = "PASSPORT"
	DocBirthCertificate DocumentType = "BIRTH_CERTIFICATE"
	DocForm             DocumentType = "FORM"
	DocOther            DocumentType = "OTHER"
	DocInvoice          DocumentType = "INVOICE"
)

// Document is an identity document presented at enrollment.
type Document struct {
	Type           DocumentType   `json:"type"`
	Number         string         `json:"number,omitempty"`
	IssuingState   string         `json:"issuingState,omitempty"`
	DateOfExpiry   string         `json:"dateOfExpiry,omitempty"` // YYYY-MM-DD
	MRZ            string         `json:"mrz,omitempty"`          // lines joined by "\n"
	ChipDataGroups map[int][]byte `json:"chipDataGroups,omitempty"`
	ChipSOD        []byte         `json:"chipSod,omitempty"`
	// PassiveAuth is the passive-authentication verdict when the chip was read.
	PassiveAuth string  `json:"passiveAuth,omitempty"`
	Pages       []Image `json:"pages,omitempty"`
}

// Image is an encoded image with what is needed to describe it to a registry.
type Image struct {
	// Format is the encoding: "WSQ", "JPEG", "JPEG2000" or "PNG".
	Format     string    `json:"format"`
	Data       []byte    `json:"data"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	Resolution int       `json:"resolution,omitempty"` // pixels per inch
	BitDepth   int       `json:"bitDepth,omitempty"`
	CapturedAt time.Time `json:"capturedAt,omitzero"`
	Device     string    `json:"device,omitempty"`
	// Page is the document page the image shows (document pages only, 0 if unknown).
	Page int `json:"page,omitempty"`
}

// MimeType returns the MIME type of the image's format.
func (i Image) MimeType() string {
	switch i.Format {
	case "WSQ":
		return "image/x-wsq"
	case "JPEG":
		return "image/jpeg"
	case "JPEG2000":
		return "image/jp2"
	case "PNG":
		return "image/png"
	}
	return "application/octet-stream"
}

// Face is the accepted face capture.
type Face struct {
	Image   Image `json:"image"`
	Quality int   `json:"quality"` // 0–100
	// QualityFormat names the quality scale, for example "ISO_29794_5".
	QualityFormat string `json:"qualityFormat,omitempty"`
}

// Position is a finger position, spelled as OSIA's BiometricSubType.
type Position string

// Finger positions (OSIA BiometricSubType; ISO/IEC 19794-4 positions 1–10 and slaps 13–15).
const (
	RightThumb  Position = "RIGHT_THUMB"
	RightIndex  Position = "RIGHT_INDEX"
	RightMiddle Position = "RIGHT_MIDDLE"
	RightRing   Position = "RIGHT_RING"
	RightLittle Position = "RIGHT_LITTLE"
	LeftThumb   Position = "LEFT_THUMB"
	LeftIndex   Position = "LEFT_INDEX"
	LeftMiddle  Position = "LEFT_MIDDLE"
	LeftRing    Position = "LEFT_RING"
	LeftLittle  Position = "LEFT_LITTLE"
	RightFour   Position = "PLAIN_RIGHT_FOUR_FINGERS"
	LeftFour    Position = "PLAIN_LEFT_FOUR_FINGERS"
	Thumbs      Position = "PLAIN_THUMBS"
)

// MissingReason says why a finger could not be captured, with OSIA's
// MissingType presence values.
type MissingReason string

// Missing-finger reasons (OSIA PR v1.5 MissingType.presence).
const (
	Bandaged  MissingReason = "BANDAGED"
	Amputated MissingReason = "AMPUTATED"
	Damaged   MissingReason = "DAMAGED"
)

// Finger is one finger position: either an image with its quality, or the
// reason it is missing.
type Finger struct {
	Position Position `json:"position"`
	Image    *Image   `json:"image,omitempty"`
	Quality  int      `json:"quality,omitempty"` // 0–100
	// QualityFormat names the quality scale, for example "NFIQ2".
	QualityFormat  string        `json:"qualityFormat,omitempty"`
	ImpressionType string        `json:"impressionType,omitempty"` // OSIA ImpressionType, e.g. LIVE_SCAN_PLAIN
	Missing        MissingReason `json:"missing,omitempty"`
}

// Liveness is the presentation-attack-detection verdict for the face capture.
type Liveness struct {
	Live    bool     `json:"live"`
	Score   float64  `json:"score"`
	Method  string   `json:"method,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// New starts an enrollment with fresh station-generated identifiers.
func New(stationID, operatorID string, now time.Time) *Enrollment {
	return &Enrollment{
		TransactionID: uuid.NewString(),
		PersonID:      uuid.NewString(),
		IdentityID:    uuid.NewString(),
		StationID:     stationID,
		OperatorID:    operatorID,
		CreatedAt:     now.UTC(),
	}
}

// Sentinel errors returned by Validate.
var (
	// ErrInvalid is wrapped by every validation failure.
	ErrInvalid = errors.New("invalid enrollment")
)

// Validate checks that the enrollment is complete enough to be queued: its
// identifiers are set and every finger has either an image or a reason.
func (e *Enrollment) Validate() error {
	for name, v := range map[string]string{
		"transactionId": e.TransactionID, "personId": e.PersonID, "identityId": e.IdentityID,
	} {
		if v == "" {
			return fmt.Errorf("%w: %s is empty", ErrInvalid, name)
		}
		if !validID(v) {
			return fmt.Errorf("%w: %s %q may hold only letters, digits, '-', '_' and '.' (at most 128)", ErrInvalid, name, v)
		}
	}
	seen := map[Position]bool{}
	for i, f := range e.Fingers {
		if f.Position == "" {
			return fmt.Errorf("%w: finger %d has no position", ErrInvalid, i)
		}
		if seen[f.Position] {
			return fmt.Errorf("%w: finger position %s appears twice", ErrInvalid, f.Position)
		}
		seen[f.Position] = true
		if (f.Image == nil) == (f.Missing == "") {
			return fmt.Errorf("%w: finger %s needs either an image or a missing reason", ErrInvalid, f.Position)
		}
	}
	return nil
}

// validID reports whether s is usable as an identifier in a URL path.
func validID(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}
