package spid

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/capturestation/station/capture/enrollment"
)

// API paths of SPID Server 4.2.12, relative to the configured base URL.
const (
	pathPeople          = "/gbs-spid-server/people"
	pathEnrollResult    = "/gbs-spid-server/people/transactions/"
	pathPersonTx        = "/gbs-spid-server/transaction/people/"
	pathVerify          = "/gbs-spid-server/verify"
	pathOperator        = "/gbs-spid-server/operator"
	pathStatus          = "/gbs-spid-server/status"
	transactionTypeEnrl = "ENROLL"
)

// Biometric indexes used in ContentData.index. Fingers use the ISO/IEC
// 19794-4 finger position codes (1 right thumb … 10 left little, 13–15 the
// plain slaps); the face uses FaceIndex.
const (
	FaceIndex = 20
)

// Auxiliary indexes: document page images and chip data travel as
// auxiliaries (ContentData) with these index ranges.
const (
	// AuxPageBase + 10*document + page is a document page image (at most
	// 10 documents of 10 pages).
	AuxPageBase = 100
	// AuxChipBase + 100*document + data group number is a chip data group;
	// AuxChipBase + 100*document + AuxSODOffset is the document security object.
	AuxChipBase  = 1000
	AuxSODOffset = 99
)

var fingerIndex = map[enrollment.Position]int{
	enrollment.RightThumb: 1, enrollment.RightIndex: 2, enrollment.RightMiddle: 3,
	enrollment.RightRing: 4, enrollment.RightLittle: 5,
	enrollment.LeftThumb: 6, enrollment.LeftIndex: 7, enrollment.LeftMiddle: 8,
	enrollment.LeftRing: 9, enrollment.LeftLittle: 10,
	enrollment.RightFour: 13, enrollment.LeftFour: 14, enrollment.Thumbs: 15,
}

// FingerIndex returns the SPID biometric index of a finger position.
func FingerIndex(p enrollment.Position) (int, bool) {
	i, ok := fingerIndex[p]
	return i, ok
}

// ContentData is one biometric or auxiliary sample (base64 content).
type ContentData struct {
	Index      int    `json:"index"`
	Content    string `json:"content"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Resolution int    `json:"resolution,omitempty"`
}

// MissingBiometric says why a biometric index has no sample.
type MissingBiometric struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

// KeyValue is a search key or a biographic field ({id, value}).
type KeyValue struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// UserTransaction is the body of enroll and verify (inside {"data": …}).
type UserTransaction struct {
	Biometrics        []ContentData      `json:"biometrics,omitempty"`
	MissingBiometrics []MissingBiometric `json:"missingBiometrics,omitempty"`
	UserID            string             `json:"userId"`
	OperatorID        string             `json:"operatorId,omitempty"`
	Timestamp         int64              `json:"timestamp"`
	Keys              []KeyValue         `json:"keys,omitempty"`
	Biographics       []KeyValue         `json:"biographics,omitempty"`
	Auxiliaries       []ContentData      `json:"auxiliaries,omitempty"`
}

// UserTransactionRequest wraps a UserTransaction.
type UserTransactionRequest struct {
	Data UserTransaction `json:"data"`
}

// Keys under which the station's identifiers are sent.
const (
	KeyTransactionID = "transactionId"
	KeyPersonID      = "personId"
	KeyIdentityID    = "identityId"
)

// Timestamp returns the UserTransaction timestamp (milliseconds since the
// epoch) of e: when it was completed, or started if never completed. It is
// stable across retries and is how the connector recognises its own
// transaction in the registry.
func Timestamp(e *enrollment.Enrollment) int64 {
	t := e.CompletedAt
	if t.IsZero() {
		t = e.CreatedAt
	}
	return t.UnixMilli()
}

// BuildTransaction maps an enrollment onto the UserTransaction sent to
// enroll. It fails on data the API cannot carry (an unknown finger position,
// too many documents or pages).
func BuildTransaction(e *enrollment.Enrollment) (UserTransaction, error) {
	ut := UserTransaction{
		UserID:     e.PersonID,
		OperatorID: e.OperatorID,
		Timestamp:  Timestamp(e),
		Keys: []KeyValue{
			{ID: KeyTransactionID, Value: e.TransactionID},
			{ID: KeyPersonID, Value: e.PersonID},
			{ID: KeyIdentityID, Value: e.IdentityID},
		},
	}
	bio := &ut.Biographics
	add := func(id, v string) {
		if v != "" {
			*bio = append(*bio, KeyValue{ID: id, Value: v})
		}
	}
	b := e.Biographic
	add("firstName", b.FirstName)
	add("lastName", b.LastName)
	add("dateOfBirth", b.DateOfBirth)
	add("gender", b.Gender)
	add("nationality", b.Nationality)
	add("placeOfBirth", b.PlaceOfBirth)
	for _, k := range sortedKeys(b.Extra) {
		add("extra."+k, b.Extra[k])
	}
	add("stationId", e.StationID)
	add("identityType", e.IdentityType)
	add("galleries", strings.Join(e.Galleries, ","))
	if c := e.Contextual; c != nil {
		add("enrollmentDate", c.EnrollmentDate)
		add("location", c.Location)
		for _, k := range sortedKeys(c.Extra) {
			add("contextual."+k, c.Extra[k])
		}
	}
	if l := e.Liveness; l != nil {
		add("liveness.live", strconv.FormatBool(l.Live))
		add("liveness.score", strconv.FormatFloat(l.Score, 'g', -1, 64))
		add("liveness.method", l.Method)
		add("liveness.reasons", strings.Join(l.Reasons, ","))
	}
	if f := e.Face; f != nil {
		ut.Biometrics = append(ut.Biometrics, content(FaceIndex, f.Image))
		add("quality."+strconv.Itoa(FaceIndex), quality(f.Quality, f.QualityFormat))
	}
	for _, f := range e.Fingers {
		idx, ok := FingerIndex(f.Position)
		if !ok {
			return UserTransaction{}, fmt.Errorf("finger position %q has no SPID biometric index", f.Position)
		}
		if f.Image == nil {
			ut.MissingBiometrics = append(ut.MissingBiometrics, MissingBiometric{Index: idx, Type: missingType(f.Missing), Reason: string(f.Missing)})
			continue
		}
		ut.Biometrics = append(ut.Biometrics, content(idx, *f.Image))
		add("quality."+strconv.Itoa(idx), quality(f.Quality, f.QualityFormat))
	}
	if len(e.Documents) > 10 {
		return UserTransaction{}, fmt.Errorf("%d documents: SPID auxiliaries carry at most 10", len(e.Documents))
	}
	for i, d := range e.Documents {
		p := "document." + strconv.Itoa(i) + "."
		add(p+"type", string(d.Type))
		add(p+"number", d.Number)
		add(p+"issuingState", d.IssuingState)
		add(p+"dateOfExpiry", d.DateOfExpiry)
		add(p+"mrz", d.MRZ)
		add(p+"passiveAuth", d.PassiveAuth)
		if len(d.Pages) > 10 {
			return UserTransaction{}, fmt.Errorf("document %d has %d pages: SPID auxiliaries carry at most 10", i, len(d.Pages))
		}
		for j, pg := range d.Pages {
			ut.Auxiliaries = append(ut.Auxiliaries, content(AuxPageBase+10*i+j, pg))
		}
		dgs := make([]int, 0, len(d.ChipDataGroups))
		for n := range d.ChipDataGroups {
			if n < 1 || n >= AuxSODOffset {
				return UserTransaction{}, fmt.Errorf("document %d: chip data group %d out of range", i, n)
			}
			dgs = append(dgs, n)
		}
		slices.Sort(dgs)
		for _, n := range dgs {
			ut.Auxiliaries = append(ut.Auxiliaries, ContentData{Index: AuxChipBase + 100*i + n, Content: base64.StdEncoding.EncodeToString(d.ChipDataGroups[n])})
		}
		if len(d.ChipSOD) > 0 {
			ut.Auxiliaries = append(ut.Auxiliaries, ContentData{Index: AuxChipBase + 100*i + AuxSODOffset, Content: base64.StdEncoding.EncodeToString(d.ChipSOD)})
		}
	}
	return ut, nil
}

func content(idx int, img enrollment.Image) ContentData {
	return ContentData{Index: idx, Content: base64.StdEncoding.EncodeToString(img.Data), Width: img.Width, Height: img.Height, Resolution: img.Resolution}
}

func quality(q int, format string) string {
	if q == 0 && format == "" {
		return ""
	}
	if format == "" {
		return strconv.Itoa(q)
	}
	return format + ":" + strconv.Itoa(q)
}

// missingType maps a station missing-finger reason onto SPID's missing
// biometric type.
func missingType(r enrollment.MissingReason) string {
	switch r {
	case enrollment.Amputated:
		return "AMPUTATED"
	case enrollment.Bandaged:
		return "BANDAGED"
	}
	return "OTHER"
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
