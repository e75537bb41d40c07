package personapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// Wire types of the Person model as the station sends it. Members the
// registry sets (id, ts, file hash) are never sent.

// personBody is the body of POST /api/person.
type personBody struct {
	Secret         string          `json:"secret,omitempty"`
	Communications []communication `json:"communications,omitempty"`
	Identifiers    []identifier    `json:"identifiers"`
	Names          []name          `json:"names,omitempty"`
}

type communication struct {
	Communication     string `json:"communication"`
	CommunicationType string `json:"communication_type"`
	Verified          int    `json:"verified"`
}

type identifier struct {
	Identifier     string          `json:"identifier"`
	IdentifierType string          `json:"identifier_type"`
	DateFrom       string          `json:"date_from,omitempty"`
	DateTo         string          `json:"date_to,omitempty"`
	Verified       int             `json:"verified"`
	Attributes     json.RawMessage `json:"attributes,omitempty"`
	Files          []file          `json:"files,omitempty"`
}

type file struct {
	Data     []byte `json:"data"` // standard base64 on the wire
	Comment  string `json:"comment,omitempty"`
	FileName string `json:"file_name"`
	DateFrom string `json:"date_from,omitempty"`
	Verified int    `json:"verified"`
}

type name struct {
	FirstName  string   `json:"first_name,omitempty"`
	LastName   string   `json:"last_name,omitempty"`
	MiddleName string   `json:"middle_name,omitempty"`
	NameType   string   `json:"name_type"`
	DateFrom   string   `json:"date_from,omitempty"`
	Languages  []string `json:"languages,omitempty"`
	Verified   int      `json:"verified"`
}

// Identifier attributes the station writes. The file model has no member
// for image metadata, so each identifier lists its files' metadata in
// attributes.files, matched by file_name.

// FileMeta describes one identifier file.
type FileMeta struct {
	FileName string `json:"file_name"`
	// Content is page, portrait, finger, chip_data_group or chip_sod.
	Content        string `json:"content"`
	Document       int    `json:"document,omitempty"` // 1-based, for files of unnumbered documents
	Page           int    `json:"page,omitempty"`
	DataGroup      int    `json:"data_group,omitempty"`
	Position       string `json:"position,omitempty"`
	MimeType       string `json:"mime_type,omitempty"`
	Format         string `json:"format,omitempty"`
	Width          int    `json:"width,omitempty"`
	Height         int    `json:"height,omitempty"`
	Resolution     int    `json:"resolution,omitempty"`
	BitDepth       int    `json:"bit_depth,omitempty"`
	CapturedAt     string `json:"captured_at,omitempty"`
	Device         string `json:"device,omitempty"`
	Quality        *int   `json:"quality,omitempty"`
	QualityFormat  string `json:"quality_format,omitempty"`
	ImpressionType string `json:"impression_type,omitempty"`
}

// DocumentAttributes are the attributes of a document identifier (and of
// each unnumbered document listed by the enrollment identifier).
type DocumentAttributes struct {
	DocumentType string `json:"document_type"`
	// Document is the 1-based position of the document in the enrollment.
	Document     int        `json:"document"`
	IssuingState string     `json:"issuing_state,omitempty"`
	DateOfExpiry string     `json:"date_of_expiry,omitempty"`
	MRZ          string     `json:"mrz,omitempty"`
	PassiveAuth  string     `json:"passive_auth,omitempty"`
	Files        []FileMeta `json:"files,omitempty"`
}

// BiographicAttributes carry the biographic data the Person model has no
// member for.
type BiographicAttributes struct {
	DateOfBirth  string            `json:"date_of_birth,omitempty"`
	Gender       string            `json:"gender,omitempty"`
	Nationality  string            `json:"nationality,omitempty"`
	PlaceOfBirth string            `json:"place_of_birth,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// LivenessAttributes are the presentation-attack-detection verdict.
type LivenessAttributes struct {
	Live    bool     `json:"live"`
	Score   float64  `json:"score"`
	Method  string   `json:"method,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// EnrollmentAttributes are the attributes of the enrollment identifier:
// what the station knows about the capture and the person that has no
// place elsewhere in the Person model.
type EnrollmentAttributes struct {
	StationID       string                `json:"station_id,omitempty"`
	OperatorID      string                `json:"operator_id,omitempty"`
	StationPersonID string                `json:"station_person_id"`
	IdentityID      string                `json:"identity_id"`
	CreatedAt       string                `json:"created_at,omitempty"`
	CompletedAt     string                `json:"completed_at,omitempty"`
	EnrollmentDate  string                `json:"enrollment_date,omitempty"`
	Location        string                `json:"location,omitempty"`
	Contextual      map[string]string     `json:"contextual,omitempty"`
	IdentityType    string                `json:"identity_type,omitempty"`
	Galleries       []string              `json:"galleries,omitempty"`
	Biographic      *BiographicAttributes `json:"biographic,omitempty"`
	Liveness        *LivenessAttributes   `json:"liveness,omitempty"`
	MissingFingers  map[string]string     `json:"missing_fingers,omitempty"`
	Documents       []DocumentAttributes  `json:"documents,omitempty"`
	Files           []FileMeta            `json:"files,omitempty"`
}

// Identifier and communication types the API document defines.
const (
	typeEmail = "email"
	typePhone = "phone"
	// nameType is the name_type of the person's name.
	nameType = "name"
)

// Biographic.Extra keys that become identifiers, communications or the
// middle name instead of attributes.
const (
	extraEmail      = "email"
	extraPhone      = "phone"
	extraMiddleName = "middleName"
)

// layout describes what each element of a body is, for error messages.
type layout struct {
	identifiers    []elementLabel
	communications []string
	names          []string
}

type elementLabel struct {
	label string
	files []string
}

// counts returns the numbers of identifiers and files.
func (l *layout) counts() (identifiers, files int) {
	for _, id := range l.identifiers {
		files += len(id.files)
	}
	return len(l.identifiers), files
}

// builder assembles a person body from an enrollment.
type builder struct {
	cfg  *Config
	e    *enrollment.Enrollment
	day  string // enrollment date, YYYY-MM-DD
	body personBody
	lay  layout
}

// buildPerson maps an enrollment onto the Person model.
func buildPerson(e *enrollment.Enrollment, cfg *Config) (*personBody, *layout, error) {
	b := &builder{cfg: cfg, e: e, day: enrollmentDay(e)}
	enr := &EnrollmentAttributes{
		StationID: e.StationID, OperatorID: e.OperatorID, StationPersonID: e.PersonID, IdentityID: e.IdentityID,
		CreatedAt: formatTime(e.CreatedAt), CompletedAt: formatTime(e.CompletedAt),
		IdentityType: e.IdentityType, Galleries: e.Galleries,
	}
	if e.StationID == "" {
		enr.StationID = cfg.StationID
	}
	var enrFiles []file
	var enrLabels []string
	for i, d := range e.Documents {
		typ, ok := cfg.DocumentTypes[d.Type]
		if !ok {
			return nil, nil, fmt.Errorf("document %d has type %q, which registry.personapi.document_types does not map to an identifier type", i+1, d.Type)
		}
		attrs := DocumentAttributes{DocumentType: string(d.Type), Document: i + 1, IssuingState: d.IssuingState,
			DateOfExpiry: d.DateOfExpiry, MRZ: d.MRZ, PassiveAuth: d.PassiveAuth}
		prefix := ""
		if d.Number == "" {
			prefix = "document-" + strconv.Itoa(i+1) + "-"
		}
		files, labels := b.documentFiles(d, i, prefix, &attrs)
		if d.Number == "" {
			// The enrollment identifier carries the files; its
			// attributes.files describes them.
			enr.Files = append(enr.Files, attrs.Files...)
			attrs.Files = nil
			enr.Documents = append(enr.Documents, attrs)
			enrFiles, enrLabels = append(enrFiles, files...), append(enrLabels, labels...)
			continue
		}
		id := identifier{Identifier: strings.TrimSpace(d.Number), IdentifierType: typ, DateFrom: b.day}
		if isDate(d.DateOfExpiry) {
			id.DateTo = d.DateOfExpiry
			if b.day != "" && d.DateOfExpiry < b.day {
				id.DateFrom = "" // expired when presented: the start of use is unknown
			}
		}
		if err := b.addIdentifier(id, attrs, files, fmt.Sprintf("number of document %d (%s)", i+1, d.Type), labels); err != nil {
			return nil, nil, err
		}
	}
	bio := e.Biographic
	if v := strings.TrimSpace(bio.Extra[extraEmail]); v != "" {
		b.addContact(typeEmail, v, "e-mail address")
	}
	if v := normalizePhone(bio.Extra[extraPhone]); v != "" {
		b.addContact(typePhone, v, "phone number")
	}
	if bio.FirstName != "" || bio.LastName != "" {
		b.body.Names = append(b.body.Names, name{FirstName: bio.FirstName, LastName: bio.LastName,
			MiddleName: bio.Extra[extraMiddleName], NameType: nameType, DateFrom: b.day,
			Languages: cfg.NameLanguages})
		b.lay.names = append(b.lay.names, "name")
	}
	ba := &BiographicAttributes{DateOfBirth: bio.DateOfBirth, Gender: bio.Gender, Nationality: bio.Nationality, PlaceOfBirth: bio.PlaceOfBirth}
	for k, v := range bio.Extra {
		if k == extraEmail || k == extraPhone || k == extraMiddleName {
			continue
		}
		if ba.Extra == nil {
			ba.Extra = map[string]string{}
		}
		ba.Extra[k] = v
	}
	if ba.DateOfBirth != "" || ba.Gender != "" || ba.Nationality != "" || ba.PlaceOfBirth != "" || len(ba.Extra) > 0 {
		enr.Biographic = ba
	}
	if c := e.Contextual; c != nil {
		enr.EnrollmentDate, enr.Location = c.EnrollmentDate, c.Location
		if len(c.Extra) > 0 {
			enr.Contextual = maps.Clone(c.Extra)
		}
	}
	if l := e.Liveness; l != nil {
		enr.Liveness = &LivenessAttributes{Live: l.Live, Score: l.Score, Method: l.Method, Reasons: l.Reasons}
	}
	if f := e.Face; f != nil {
		q := f.Quality
		meta := imageMeta("portrait"+ext(f.Image), "portrait", f.Image)
		meta.Quality, meta.QualityFormat = &q, f.QualityFormat
		enrFiles = append(enrFiles, file{Data: f.Image.Data, FileName: meta.FileName, Comment: "face portrait", DateFrom: b.day})
		enrLabels = append(enrLabels, "portrait")
		enr.Files = append(enr.Files, meta)
	}
	for _, f := range e.Fingers {
		if f.Image == nil {
			if enr.MissingFingers == nil {
				enr.MissingFingers = map[string]string{}
			}
			enr.MissingFingers[string(f.Position)] = string(f.Missing)
			continue
		}
		q := f.Quality
		meta := imageMeta("finger-"+strings.ToLower(string(f.Position))+ext(*f.Image), "finger", *f.Image)
		meta.Position, meta.Quality, meta.QualityFormat, meta.ImpressionType = string(f.Position), &q, f.QualityFormat, f.ImpressionType
		enrFiles = append(enrFiles, file{Data: f.Image.Data, FileName: meta.FileName, Comment: "fingerprint " + string(f.Position), DateFrom: b.day})
		enrLabels = append(enrLabels, "fingerprint "+string(f.Position))
		enr.Files = append(enr.Files, meta)
	}
	id := identifier{Identifier: e.TransactionID, IdentifierType: cfg.EnrollmentIdentifierType, DateFrom: b.day}
	if err := b.addIdentifier(id, enr, enrFiles, "enrollment reference", enrLabels); err != nil {
		return nil, nil, err
	}
	if len(cfg.PersonSecretKey) > 0 {
		b.body.Secret = personSecret(cfg.PersonSecretKey, e.TransactionID)
	}
	return &b.body, &b.lay, nil
}

// documentFiles returns a document's page images and chip data as files,
// recording their metadata in attrs.
func (b *builder) documentFiles(d enrollment.Document, i int, prefix string, attrs *DocumentAttributes) ([]file, []string) {
	var files []file
	var labels []string
	docNo := 0
	if prefix != "" {
		docNo = i + 1
	}
	for j, p := range d.Pages {
		fn := prefix + "image-" + strconv.Itoa(j+1) + ext(p)
		label := fmt.Sprintf("image %d of document %d", j+1, i+1)
		if p.Page > 0 {
			fn = prefix + "page-" + strconv.Itoa(p.Page) + ext(p)
			label = fmt.Sprintf("page %d of document %d", p.Page, i+1)
		}
		meta := imageMeta(fn, "page", p)
		meta.Page, meta.Document = p.Page, docNo
		// Two images of the same page get distinct names.
		if slices.ContainsFunc(files, func(f file) bool { return f.FileName == fn }) {
			meta.FileName = prefix + "image-" + strconv.Itoa(j+1) + ext(p)
		}
		files = append(files, file{Data: p.Data, FileName: meta.FileName, Comment: fmt.Sprintf("%s page image", d.Type), DateFrom: b.day})
		labels = append(labels, label)
		attrs.Files = append(attrs.Files, meta)
	}
	for _, dg := range slices.Sorted(maps.Keys(d.ChipDataGroups)) {
		fn := prefix + "dg" + strconv.Itoa(dg) + ".bin"
		files = append(files, file{Data: d.ChipDataGroups[dg], FileName: fn, Comment: fmt.Sprintf("chip data group %d (ICAO 9303 LDS)", dg), DateFrom: b.day})
		labels = append(labels, fmt.Sprintf("chip data group %d of document %d", dg, i+1))
		attrs.Files = append(attrs.Files, FileMeta{FileName: fn, Content: "chip_data_group", DataGroup: dg, Document: docNo, MimeType: "application/octet-stream"})
	}
	if len(d.ChipSOD) > 0 {
		fn := prefix + "sod.bin"
		files = append(files, file{Data: d.ChipSOD, FileName: fn, Comment: "chip document security object (ICAO 9303 SOD)", DateFrom: b.day})
		labels = append(labels, fmt.Sprintf("chip security object of document %d", i+1))
		attrs.Files = append(attrs.Files, FileMeta{FileName: fn, Content: "chip_sod", Document: docNo, MimeType: "application/octet-stream"})
	}
	return files, labels
}

// addIdentifier appends an identifier with its attributes and files.
func (b *builder) addIdentifier(id identifier, attrs any, files []file, label string, fileLabels []string) error {
	raw, err := json.Marshal(attrs)
	if err != nil {
		return fmt.Errorf("encode the attributes of the %s: %w", label, err)
	}
	id.Attributes, id.Files = raw, files
	b.body.Identifiers = append(b.body.Identifiers, id)
	b.lay.identifiers = append(b.lay.identifiers, elementLabel{label: label, files: fileLabels})
	return nil
}

// addContact adds an e-mail address or phone number as an identifier and
// as a communication.
func (b *builder) addContact(typ, value, label string) {
	b.body.Identifiers = append(b.body.Identifiers, identifier{Identifier: value, IdentifierType: typ, DateFrom: b.day})
	b.lay.identifiers = append(b.lay.identifiers, elementLabel{label: label})
	b.body.Communications = append(b.body.Communications, communication{Communication: value, CommunicationType: typ})
	b.lay.communications = append(b.lay.communications, label)
}

func imageMeta(fileName, content string, img enrollment.Image) FileMeta {
	return FileMeta{FileName: fileName, Content: content, MimeType: img.MimeType(), Format: img.Format,
		Width: img.Width, Height: img.Height, Resolution: img.Resolution, BitDepth: img.BitDepth,
		CapturedAt: formatTime(img.CapturedAt), Device: img.Device}
}

// ext is the file name extension of an image's format.
func ext(img enrollment.Image) string {
	switch img.Format {
	case "JPEG":
		return ".jpg"
	case "PNG":
		return ".png"
	case "WSQ":
		return ".wsq"
	case "JPEG2000":
		return ".jp2"
	}
	return ".bin"
}

// normalizePhone drops the separators people write in phone numbers; the
// registry's dictionary decides whether what remains is acceptable.
func normalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '/', '\t':
			return -1
		}
		return r
	}, s)
}

// enrollmentDay is the enrollment's date: the contextual enrollment date,
// else the creation day.
func enrollmentDay(e *enrollment.Enrollment) string {
	if e.Contextual != nil && isDate(e.Contextual.EnrollmentDate) {
		return e.Contextual.EnrollmentDate
	}
	if !e.CreatedAt.IsZero() {
		return e.CreatedAt.UTC().Format(time.DateOnly)
	}
	return ""
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// personSecret derives the person's secret from the station key and the
// transaction ID, so every attempt sends the same body.
func personSecret(key []byte, tx string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("personapi person secret\x00"))
	m.Write([]byte(tx))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:24]
}
