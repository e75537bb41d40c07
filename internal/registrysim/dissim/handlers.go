package dissim

import (
	"bytes"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/capturestation/station/internal/registrysim"
)

// Liveness types, selfie assertions and document sources of the API.
var (
	livenessTypes = []string{"EYE_GAZE_LIVENESS", "PASSIVE_LIVENESS", "SMILE_LIVENESS", "MAGNIFEYE_LIVENESS"}
	assertions    = []string{"EYE_GAZE_TOP_LEFT", "EYE_GAZE_TOP_RIGHT", "EYE_GAZE_BOTTOM_LEFT", "EYE_GAZE_BOTTOM_RIGHT", "SMILE", "NEUTRAL", "NONE"}
	sources       = []string{"VIZ", "MRZ", "BARCODE", "DOCUMENT_PORTRAIT", "GLOBAL_OCR"}
	pageTypes     = []string{"front", "back"}
	externalIDRe  = regexp.MustCompile(`^[a-zA-Z\d._-]{1,64}$`)
	countryRe     = regexp.MustCompile(`^[a-zA-Z]{3}$`)
)

// MinImageSide is the smallest width and height in which the simulator
// "detects" a face or document corners; smaller images get the API's
// NO_FACE_DETECTED or NO_CARD_CORNERS_DETECTED answer.
const MinImageSide = 32

// maxLivenessItems bounds liveness selfies and records per customer.
const maxLivenessItems = 64

// customer is one stored customer. Guarded by Simulator.mu.
type customer struct {
	id           string
	selfie       []byte
	selfieOrigin string
	liveness     *liveness
	document     *document
	stored       *StoredRecord
	inspections  int
	docInspects  int
}

type liveness struct {
	selfies []LivenessSelfieRecord
	records []livenessRecord
}

type livenessRecord struct {
	id   string
	data []byte
}

type document struct {
	advice  DocumentClassificationAdvice
	sources []string
	pages   []PageRecord
	chip    *chipData
}

// ---- wire types (request bodies) ----

// Image is an image given as Base64 data or by URL.
type Image struct {
	Data []byte `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Origin links an image already held by the service.
type Origin struct {
	Link string `json:"link"`
}

// CreateSelfieRequest is the JSON body of PUT .../selfie.
type CreateSelfieRequest struct {
	Image        *Image  `json:"image,omitempty"`
	SelfieOrigin *Origin `json:"selfieOrigin,omitempty"`
}

// CreateLivenessSelfieRequest is the body of POST .../liveness/selfies.
type CreateLivenessSelfieRequest struct {
	Image        *Image  `json:"image,omitempty"`
	SelfieOrigin *Origin `json:"selfieOrigin,omitempty"`
	Assertion    string  `json:"assertion"`
}

// LivenessTypeRequest is the body of the evaluation, retrieval and
// challenge operations.
type LivenessTypeRequest struct {
	Type string `json:"type"`
}

// DocumentClassificationAdvice tells the classification what to expect.
type DocumentClassificationAdvice struct {
	Countries                      []string `json:"countries,omitempty"`
	Types                          []string `json:"types,omitempty"`
	Editions                       []string `json:"editions,omitempty"`
	MachineReadableTravelDocuments []string `json:"machineReadableTravelDocuments,omitempty"`
}

// CreateDocumentRequest is the body of PUT .../document.
type CreateDocumentRequest struct {
	Advice *struct {
		Classification *DocumentClassificationAdvice `json:"classification,omitempty"`
	} `json:"advice,omitempty"`
	Sources []string `json:"sources,omitempty"`
}

// CreateDocumentPageRequest is the JSON body of PUT .../document/pages.
type CreateDocumentPageRequest struct {
	Image  *Image `json:"image"`
	Advice *struct {
		Classification *struct {
			PageTypes []string `json:"pageTypes"`
		} `json:"classification,omitempty"`
	} `json:"advice,omitempty"`
}

// CustomerStoreRequest is the body of POST .../store.
type CustomerStoreRequest struct {
	ExternalID       *string `json:"externalId,omitempty"`
	OnboardingStatus string  `json:"onboardingStatus"`
}

// ---- answers ----

type links struct {
	Self string `json:"self"`
}

type point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

type faceDetection struct {
	Confidence    float64          `json:"confidence"`
	FaceRectangle map[string]point `json:"faceRectangle"`
}

func detectionOf(w, h int) *faceDetection {
	return &faceDetection{Confidence: 0.93, FaceRectangle: map[string]point{
		"topLeft": {w / 4, h / 4}, "topRight": {w * 3 / 4, h / 4},
		"bottomRight": {w * 3 / 4, h * 3 / 4}, "bottomLeft": {w / 4, h * 3 / 4},
	}}
}

// ---- routes ----

func (s *Simulator) routes(mux *http.ServeMux) {
	c := CustomersPath + "/{id}"
	s.handle(mux, HealthPath, map[string]op{http.MethodGet: {"health", false, s.health}})
	s.handle(mux, InfoPath, map[string]op{http.MethodGet: {"info", false, s.info}})
	s.handle(mux, SessionsPath, map[string]op{
		http.MethodPost:   {"createSession", true, s.createSession},
		http.MethodDelete: {"deleteSession", true, s.deleteSession},
	})
	s.handle(mux, CustomersPath, map[string]op{http.MethodPost: {"createCustomer", true, s.createCustomer}})
	s.handle(mux, c, map[string]op{
		http.MethodPost:   {"createCustomerWithUuid", true, s.createCustomerWithID},
		http.MethodGet:    {"getCustomer", true, s.getCustomer},
		http.MethodDelete: {"deleteCustomer", true, s.deleteCustomer},
	})
	s.handle(mux, c+"/selfie", map[string]op{
		http.MethodPut:    {"createSelfie", true, s.putSelfie},
		http.MethodGet:    {"getSelfieImage", true, s.getSelfie},
		http.MethodDelete: {"deleteSelfie", true, s.deleteSelfie},
	})
	s.handle(mux, c+"/liveness", map[string]op{
		http.MethodPut:    {"createLiveness", true, s.putLiveness},
		http.MethodDelete: {"deleteLiveness", true, s.deleteLiveness},
	})
	s.handle(mux, c+"/liveness/selfies", map[string]op{http.MethodPost: {"createLivenessSelfie", true, s.postLivenessSelfie}})
	s.handle(mux, c+"/liveness/selfies/retrieve", map[string]op{http.MethodPost: {"retrieveLivenessSelfiesAndRecords", true, s.retrieveLivenessSelfies}})
	s.handle(mux, c+"/liveness/records", map[string]op{http.MethodPost: {"createLivenessRecord", true, s.postLivenessRecord}})
	s.handle(mux, c+"/liveness/records/{recordId}/selfie", map[string]op{http.MethodGet: {"customerLivenessRecordSelfie", true, s.getRecordSelfie}})
	s.handle(mux, c+"/liveness/evaluation", map[string]op{http.MethodPost: {"evaluateLiveness", true, s.evaluateLiveness}})
	s.handle(mux, c+"/document", map[string]op{
		http.MethodPut:    {"createDocument", true, s.putDocument},
		http.MethodDelete: {"deleteDocument", true, s.deleteDocument},
	})
	s.handle(mux, c+"/document/pages", map[string]op{http.MethodPut: {"createDocumentPage", true, s.putPage}})
	s.handle(mux, c+"/document/pages/{pageType}", map[string]op{http.MethodGet: {"documentPageCrop", true, s.getPage}})
	s.handle(mux, c+"/document/chip/data", map[string]op{
		http.MethodPut: {"createDocumentChipData", true, s.putChipData},
		http.MethodGet: {"getDocumentChipData", true, s.getChipData},
	})
	s.handle(mux, c+"/inspect", map[string]op{http.MethodPost: {"inspect", true, s.inspect}})
	s.handle(mux, c+"/document/inspect", map[string]op{http.MethodPost: {"documentInspect", true, s.inspectDocument}})
	s.handle(mux, c+"/store", map[string]op{http.MethodPost: {"storeInTrustPlatform", true, s.store}})
}

// ---- helpers ----

func customerPath(id string) string { return CustomersPath + "/" + id }

// pathID returns the customer ID of the request, checked to be a UUID.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return "", fail(http.StatusBadRequest, codeInvalidID, "the customer ID must be a UUID in its 36-character form")
	}
	return u.String(), nil
}

// withCustomer runs fn on the request's customer under the lock.
func (s *Simulator) withCustomer(r *http.Request, fn func(c *customer) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[id]
	if c == nil {
		return fail(http.StatusNotFound, codeNotFound, "customer %s does not exist", id)
	}
	return fn(c)
}

// binaryBody reads a non-empty application/octet-stream body (what names
// it in errors).
func binaryBody(r *http.Request, what string) ([]byte, error) {
	if err := requireType(r, "application/octet-stream"); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, fail(http.StatusBadRequest, codeInvalidBody, "%s is empty", what)
	}
	return b, nil
}

// clearPart removes part of a customer (a DELETE on a sub-resource): 204
// whether or not the customer exists, as the service answers.
func (s *Simulator) clearPart(w http.ResponseWriter, r *http.Request, reset func(c *customer)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if c := s.customers[id]; c != nil {
		reset(c)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func oneOf(v string, set []string) bool { return slices.Contains(set, v) }

// imageKind is what the simulator's "detection" makes of image bytes.
type imageKind int

const (
	imageOK imageKind = iota
	imageUndecodable
	imageTooSmall
)

// checkImage accepts JPEG and PNG data: other formats are INVALID_IMAGE;
// a JPEG or PNG whose header does not decode is INVALID_DATA, and one
// smaller than MinImageSide has nothing detectable in it.
func checkImage(data []byte) (imageKind, int, int, error) {
	if len(data) == 0 {
		return 0, 0, 0, fail(http.StatusBadRequest, codeInvalidImage, "image data is empty")
	}
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) && !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return 0, 0, 0, fail(http.StatusBadRequest, codeInvalidImage, "image data is neither JPEG nor PNG")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return imageUndecodable, 0, 0, nil
	}
	if cfg.Width < MinImageSide || cfg.Height < MinImageSide {
		return imageTooSmall, cfg.Width, cfg.Height, nil
	}
	return imageOK, cfg.Width, cfg.Height, nil
}

// imageData validates an Image member: exactly data or URL; URLs are not
// downloaded by the simulator.
func imageData(img *Image) ([]byte, error) {
	switch {
	case img == nil:
		return nil, fail(http.StatusBadRequest, codeInvalidBody, "image is required")
	case img.URL != "" && len(img.Data) > 0:
		return nil, fail(http.StatusBadRequest, codeInvalidBody, "image: give data or url, not both")
	case img.URL != "":
		return nil, fail(http.StatusBadRequest, codeDataDownloaderOff, "image: downloading images by URL is disabled; send the data")
	case len(img.Data) == 0:
		return nil, fail(http.StatusBadRequest, codeInvalidBody, "image: data or url has to be provided")
	}
	return img.Data, nil
}

// ---- customers ----

func (s *Simulator) createCustomer(w http.ResponseWriter, _ *http.Request) error {
	id := uuid.NewString()
	s.mu.Lock()
	s.customers[id] = &customer{id: id}
	s.mu.Unlock()
	registrysim.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "links": links{customerPath(id)}})
	return nil
}

func (s *Simulator) createCustomerWithID(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if u := uuid.MustParse(id); u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		return fail(http.StatusBadRequest, codeInvalidID, "the customer ID must be a version 4 UUID")
	}
	s.mu.Lock()
	_, exists := s.customers[id]
	if !exists {
		s.customers[id] = &customer{id: id}
	}
	s.mu.Unlock()
	if exists {
		s.duplicates.Add(1)
		return fail(http.StatusUnprocessableEntity, codeAlreadyExists, "customer %s already exists", id)
	}
	registrysim.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "links": links{customerPath(id)}})
	return nil
}

func (s *Simulator) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.customers, id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Simulator) getCustomer(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"customer": s.customerView(c)})
		return nil
	})
}

// ---- selfie ----

func (s *Simulator) putSelfie(w http.ResponseWriter, r *http.Request) error {
	var data []byte
	var origin string
	switch mediaType(r) {
	case "application/octet-stream":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyError(err)
		}
		data = b
	default:
		var req CreateSelfieRequest
		if err := readJSON(r, &req); err != nil {
			return err
		}
		switch {
		case req.Image != nil && req.SelfieOrigin != nil:
			return fail(http.StatusBadRequest, codeInvalidBody, "give image or selfieOrigin, not both")
		case req.SelfieOrigin != nil:
			origin = req.SelfieOrigin.Link
		default:
			b, err := imageData(req.Image)
			if err != nil {
				return err
			}
			data = b
		}
	}
	return s.withCustomer(r, func(c *customer) error {
		if origin != "" {
			rec, err := c.recordByLink(origin)
			if err != nil {
				return err
			}
			data = rec.data
		}
		kind, iw, ih, err := checkImage(data)
		if err != nil {
			return err
		}
		switch kind {
		case imageUndecodable:
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "INVALID_DATA"})
			return nil
		case imageTooSmall:
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "NO_FACE_DETECTED"})
			return nil
		}
		c.selfie, c.selfieOrigin = slices.Clone(data), origin
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{
			"detection": detectionOf(iw, ih), "links": links{customerPath(c.id) + "/selfie"},
		})
		return nil
	})
}

// recordByLink finds the liveness record a selfieOrigin link names.
func (c *customer) recordByLink(link string) (livenessRecord, error) {
	prefix := customerPath(c.id) + "/liveness/records/"
	rest, ok := strings.CutPrefix(link, prefix)
	rid, ok2 := strings.CutSuffix(rest, "/selfie")
	if !ok || !ok2 || rid == "" {
		return livenessRecord{}, fail(http.StatusBadRequest, codeInvalidBody, "selfieOrigin.link must be %s{recordId}/selfie", prefix)
	}
	if c.liveness != nil {
		for _, rec := range c.liveness.records {
			if rec.id == rid {
				return rec, nil
			}
		}
	}
	return livenessRecord{}, fail(http.StatusNotFound, codeNotFound, "liveness record %s does not exist", rid)
}

func (s *Simulator) getSelfie(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		if c.selfie == nil {
			return fail(http.StatusNotFound, codeNotFound, "customer %s has no selfie", c.id)
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"data": c.selfie})
		return nil
	})
}

func (s *Simulator) deleteSelfie(w http.ResponseWriter, r *http.Request) error {
	return s.clearPart(w, r, func(c *customer) { c.selfie, c.selfieOrigin = nil, "" })
}

// ---- liveness ----

func (s *Simulator) putLiveness(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		c.liveness = &liveness{}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"links": links{customerPath(c.id) + "/liveness"}})
		return nil
	})
}

func (s *Simulator) deleteLiveness(w http.ResponseWriter, r *http.Request) error {
	return s.clearPart(w, r, func(c *customer) { c.liveness = nil })
}

func (s *Simulator) postLivenessSelfie(w http.ResponseWriter, r *http.Request) error {
	var req CreateLivenessSelfieRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if !oneOf(req.Assertion, assertions) {
		return fail(http.StatusBadRequest, codeInvalidBody, "assertion must be one of %s", strings.Join(assertions, ", "))
	}
	var data []byte
	switch {
	case req.Image != nil && req.SelfieOrigin != nil:
		return fail(http.StatusBadRequest, codeInvalidBody, "give image or selfieOrigin, not both")
	case req.SelfieOrigin != nil:
	default:
		b, err := imageData(req.Image)
		if err != nil {
			return err
		}
		data = b
	}
	return s.withCustomer(r, func(c *customer) error {
		if c.liveness == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no liveness: create it with PUT .../liveness first", c.id)
		}
		if len(c.liveness.selfies) >= maxLivenessItems {
			return fail(http.StatusConflict, codeConflict, "customer %s already has %d liveness selfies", c.id, maxLivenessItems)
		}
		rec := LivenessSelfieRecord{Assertion: req.Assertion}
		if req.SelfieOrigin != nil {
			if want := customerPath(c.id) + "/selfie"; req.SelfieOrigin.Link != want {
				return fail(http.StatusBadRequest, codeInvalidBody, "selfieOrigin.link must be %s", want)
			}
			if c.selfie == nil {
				return fail(http.StatusNotFound, codeNotFound, "customer %s has no selfie to link", c.id)
			}
			rec.Origin, data = req.SelfieOrigin.Link, c.selfie
		} else {
			rec.Data = slices.Clone(data)
		}
		kind, _, _, err := checkImage(data)
		if err != nil {
			return err
		}
		if kind != imageOK {
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "NO_FACE_DETECTED"})
			return nil
		}
		c.liveness.selfies = append(c.liveness.selfies, rec)
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{})
		return nil
	})
}

func (s *Simulator) postLivenessRecord(w http.ResponseWriter, r *http.Request) error {
	data, err := binaryBody(r, "the liveness record")
	if err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		if c.liveness == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no liveness: create it with PUT .../liveness first", c.id)
		}
		if len(c.liveness.records) >= maxLivenessItems {
			return fail(http.StatusConflict, codeConflict, "customer %s already has %d liveness records", c.id, maxLivenessItems)
		}
		rid := uuid.NewString()
		c.liveness.records = append(c.liveness.records, livenessRecord{id: rid, data: slices.Clone(data)})
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{
			"selfie": map[string]any{"detection": detectionOf(480, 640)},
			"links":  map[string]string{"selfie": customerPath(c.id) + "/liveness/records/" + rid + "/selfie"},
		})
		return nil
	})
}

func (s *Simulator) getRecordSelfie(w http.ResponseWriter, r *http.Request) error {
	if err := checkSizeParams(r); err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		rec, err := c.recordByLink(r.URL.Path)
		if err != nil {
			return err
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"data": rec.data})
		return nil
	})
}

// readLivenessType reads and checks a {type} body.
func readLivenessType(r *http.Request) (string, error) {
	var req LivenessTypeRequest
	if err := readJSON(r, &req); err != nil {
		return "", err
	}
	if !oneOf(req.Type, livenessTypes) {
		return "", fail(http.StatusBadRequest, codeInvalidBody, "type must be one of %s", strings.Join(livenessTypes, ", "))
	}
	return req.Type, nil
}

// assertionsOf lists the selfie assertions that belong to a liveness type.
func assertionsOf(typ string) []string {
	switch typ {
	case "EYE_GAZE_LIVENESS":
		return assertions[:4]
	case "SMILE_LIVENESS":
		return []string{"SMILE", "NEUTRAL"}
	case "PASSIVE_LIVENESS":
		return []string{"NONE"}
	}
	return nil
}

func (s *Simulator) evaluateLiveness(w http.ResponseWriter, r *http.Request) error {
	typ, err := readLivenessType(r)
	if err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		if c.liveness == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no liveness: create it with PUT .../liveness first", c.id)
		}
		have := map[string]bool{}
		for _, sf := range c.liveness.selfies {
			have[sf.Assertion] = true
		}
		enough := false
		switch typ {
		case "MAGNIFEYE_LIVENESS":
			enough = len(c.liveness.records) > 0
		case "PASSIVE_LIVENESS":
			enough = have["NONE"]
		default:
			enough = true
			for _, a := range assertionsOf(typ) {
				enough = enough && have[a]
			}
		}
		if !enough {
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "NOT_ENOUGH_DATA"})
			return nil
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"score": 0.87})
		return nil
	})
}

func (s *Simulator) retrieveLivenessSelfies(w http.ResponseWriter, r *http.Request) error {
	typ, err := readLivenessType(r)
	if err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		if c.liveness == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no liveness", c.id)
		}
		type item struct {
			Assertion string `json:"assertion"`
			Data      []byte `json:"data"`
		}
		out := struct {
			Selfies       []item `json:"selfies"`
			RecordSelfies []item `json:"recordSelfies"`
		}{Selfies: []item{}, RecordSelfies: []item{}}
		want := assertionsOf(typ)
		for _, sf := range c.liveness.selfies {
			if oneOf(sf.Assertion, want) {
				d := sf.Data
				if sf.Origin != "" {
					d = c.selfie
				}
				out.Selfies = append(out.Selfies, item{sf.Assertion, d})
			}
		}
		if typ == "MAGNIFEYE_LIVENESS" {
			for _, rec := range c.liveness.records {
				out.RecordSelfies = append(out.RecordSelfies, item{"MAGNIFEYE", rec.data})
			}
		}
		registrysim.WriteJSON(w, http.StatusOK, out)
		return nil
	})
}

// ---- document ----

func (s *Simulator) putDocument(w http.ResponseWriter, r *http.Request) error {
	var req CreateDocumentRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	for _, src := range req.Sources {
		if !oneOf(src, sources) {
			return fail(http.StatusBadRequest, codeInvalidBody, "sources: each must be one of %s", strings.Join(sources, ", "))
		}
	}
	var adv DocumentClassificationAdvice
	if req.Advice != nil && req.Advice.Classification != nil {
		adv = *req.Advice.Classification
	}
	for _, c := range adv.Countries {
		if !countryRe.MatchString(c) {
			return fail(http.StatusBadRequest, codeInvalidBody, "advice.classification.countries: each must be an ISO 3166 alpha-3 code")
		}
	}
	for _, m := range adv.MachineReadableTravelDocuments {
		if !oneOf(strings.ToLower(m), []string{"td1", "td2", "td3"}) {
			return fail(http.StatusBadRequest, codeInvalidBody, "advice.classification.machineReadableTravelDocuments: each must be td1, td2 or td3")
		}
	}
	return s.withCustomer(r, func(c *customer) error {
		c.document = &document{advice: adv, sources: slices.Clone(req.Sources)}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"links": links{customerPath(c.id) + "/document"}})
		return nil
	})
}

func (s *Simulator) deleteDocument(w http.ResponseWriter, r *http.Request) error {
	return s.clearPart(w, r, func(c *customer) { c.document = nil })
}

func (d *document) documentType() map[string]string {
	a := d.advice
	if len(a.Types) == 0 {
		return nil
	}
	t := map[string]string{"type": a.Types[0], "supportLevel": "FULL_SUPPORT"}
	if len(a.Countries) > 0 {
		t["country"] = strings.ToLower(a.Countries[0])
	}
	if len(a.Editions) > 0 {
		t["edition"] = a.Editions[0]
	}
	if len(a.MachineReadableTravelDocuments) > 0 {
		t["machineReadableTravelDocument"] = strings.ToUpper(a.MachineReadableTravelDocuments[0])
	}
	return t
}

func (d *document) page(pt string) int {
	return slices.IndexFunc(d.pages, func(p PageRecord) bool { return p.PageType == pt })
}

func (s *Simulator) putPage(w http.ResponseWriter, r *http.Request) error {
	var data []byte
	var advised []string
	switch mediaType(r) {
	case "application/octet-stream":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyError(err)
		}
		data = b
	default:
		var req CreateDocumentPageRequest
		if err := readJSON(r, &req); err != nil {
			return err
		}
		b, err := imageData(req.Image)
		if err != nil {
			return err
		}
		data = b
		if req.Advice != nil && req.Advice.Classification != nil {
			advised = req.Advice.Classification.PageTypes
			if advised == nil {
				return fail(http.StatusBadRequest, codeInvalidBody, "advice.classification.pageTypes is required")
			}
		}
	}
	for _, pt := range advised {
		if !oneOf(pt, pageTypes) {
			return fail(http.StatusBadRequest, codeInvalidBody, "advice.classification.pageTypes: each must be front or back")
		}
	}
	kind, iw, ih, err := checkImage(data)
	if err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		d := c.document
		if d == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no document: create it with PUT .../document first", c.id)
		}
		switch kind {
		case imageUndecodable:
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "INVALID_DATA"})
			return nil
		case imageTooSmall:
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "NO_CARD_CORNERS_DETECTED"})
			return nil
		}
		pt := "front"
		switch {
		case len(advised) > 0:
			pt = advised[0]
		case d.page("front") >= 0:
			pt = "back"
		}
		var warnings []string
		if pt == "back" && d.page("front") < 0 {
			warnings = append(warnings, "MISSING_FRONT_PAGE")
		}
		dt := d.documentType()
		if dt == nil {
			warnings = append(warnings, "DOCUMENT_TYPE_NOT_RECOGNIZED")
		}
		rec := PageRecord{PageType: pt, Data: slices.Clone(data), AdvisedPageTypes: slices.Clone(advised)}
		if i := d.page(pt); i >= 0 {
			d.pages[i] = rec
		} else {
			d.pages = append(d.pages, rec)
		}
		ans := map[string]any{
			"pageType": pt,
			"detection": map[string]any{"confidence": 0.91, "cornerOutOfImage": false, "coordinates": map[string]point{
				"topLeftCorner": {0, 0}, "topRightCorner": {iw - 1, 0}, "bottomLeftCorner": {0, ih - 1}, "bottomRightCorner": {iw - 1, ih - 1},
			}},
			"links": links{customerPath(c.id) + "/document/pages/" + pt},
		}
		if dt != nil {
			ans["documentType"] = dt
		}
		if len(warnings) > 0 {
			ans["warnings"] = warnings
		}
		registrysim.WriteJSON(w, http.StatusOK, ans)
		return nil
	})
}

func checkSizeParams(r *http.Request) error {
	for _, k := range []string{"width", "height"} {
		if v := r.URL.Query().Get(k); v != "" {
			if _, err := strconv.ParseInt(v, 10, 32); err != nil {
				return fail(http.StatusBadRequest, codeInvalidParameter, "%s must be a 32-bit integer", k)
			}
		}
	}
	return nil
}

func (s *Simulator) getPage(w http.ResponseWriter, r *http.Request) error {
	pt := r.PathValue("pageType")
	if !oneOf(pt, pageTypes) {
		return fail(http.StatusBadRequest, codeInvalidParameter, "page type must be front or back")
	}
	if err := checkSizeParams(r); err != nil {
		return err
	}
	return s.withCustomer(r, func(c *customer) error {
		if c.document == nil || c.document.page(pt) < 0 {
			return fail(http.StatusNotFound, codeNotFound, "customer %s has no %s page", c.id, pt)
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"data": c.document.pages[c.document.page(pt)].Data})
		return nil
	})
}

func (s *Simulator) putChipData(w http.ResponseWriter, r *http.Request) error {
	raw, err := binaryBody(r, "the chip data")
	if err != nil {
		return err
	}
	chip, perr := parseChip(raw)
	return s.withCustomer(r, func(c *customer) error {
		if c.document == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no document: create it with PUT .../document first", c.id)
		}
		if perr != nil {
			s.logger.Debug("chip data refused", "err", perr)
			registrysim.WriteJSON(w, http.StatusOK, map[string]any{"errorCode": "LDS_PARSE_ERROR"})
			return nil
		}
		c.document.chip = chip
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"links": links{customerPath(c.id) + "/document/chip/data"}})
		return nil
	})
}

func (s *Simulator) getChipData(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		if c.document == nil || c.document.chip == nil {
			return fail(http.StatusNotFound, codeNotFound, "customer %s has no chip data", c.id)
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{"data": c.document.chip.raw})
		return nil
	})
}

// ---- inspection ----

func (s *Simulator) inspect(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		if c.selfie == nil {
			return fail(http.StatusConflict, codeConflict, "customer %s has no selfie to inspect", c.id)
		}
		c.inspections++
		sim := map[string]bool{}
		gender := map[string]bool{}
		if d := c.document; d != nil {
			if len(d.pages) > 0 {
				sim["documentPortrait"] = true
				gender["documentPortrait"] = true
				gender["viz"] = true
			}
			if d.chip != nil && d.chip.groups[2] != nil {
				sim["chipPortrait"] = true
			}
			if d.chip != nil && d.chip.mrz != nil {
				gender["mrz"] = true
			}
		}
		if c.liveness != nil && len(c.liveness.selfies) > 0 {
			sim["livenessSelfies"] = true
		}
		si := map[string]any{
			"similarityWith": sim, "genderConsistency": gender, "hasMask": false,
			"genderEstimate": c.genderEstimate(), "ageEstimate": 35,
		}
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{
			"selfieInspection": si,
			"security":         map[string]any{"videoInjection": map[string]bool{"evaluated": false}},
			"links":            map[string]string{"documentInspection": customerPath(c.id) + "/document/inspect"},
		})
		return nil
	})
}

func (c *customer) genderEstimate() string {
	if c.document != nil && c.document.chip != nil && c.document.chip.mrz != nil && c.document.chip.mrz.Sex == "F" {
		return "F"
	}
	return "M"
}

func (s *Simulator) inspectDocument(w http.ResponseWriter, r *http.Request) error {
	return s.withCustomer(r, func(c *customer) error {
		d := c.document
		if d == nil || (len(d.pages) == 0 && d.chip == nil) {
			return fail(http.StatusConflict, codeConflict, "customer %s has no document pages or chip data to inspect", c.id)
		}
		c.docInspects++
		ans := map[string]any{}
		if len(d.pages) > 0 {
			tamper := map[string]any{}
			for _, p := range d.pages {
				tamper[p.PageType] = map[string]bool{"colorProfileChangeDetected": false, "looksLikeScreenshot": false, "tamperedTexts": false, "looksLikePrintCopy": false}
			}
			ans["pageTampering"] = tamper
			ans["portraitInspection"] = map[string]any{"genderEstimate": c.genderEstimate(), "ageEstimate": 35, "genderConsistency": map[string]bool{"viz": true}}
			ans["visualZoneInspection"] = map[string]any{
				"ocrConfidence":   map[string]any{"confidence": 0.97, "lowOcrConfidenceTexts": []string{}},
				"textConsistency": map[string]any{"consistent": true, "consistencyWith": map[string]any{"mrz": map[string]any{"inconsistentTexts": []string{}}}},
			}
		}
		if ch := d.chip; ch != nil {
			auth := "NOT_AUTHENTICATED"
			if ch.sod {
				auth = "AUTHENTICATED"
			}
			ans["chipInspection"] = map[string]string{"dataAuthentication": auth, "chipAuthentication": "NOT_PERFORMED"}
			if ch.mrz != nil {
				ans["mrzInspection"] = map[string]bool{"valid": ch.mrz.Valid}
				if e := ch.mrz.DateOfExpiry; e.Year > 0 {
					today := s.now().UTC().Format("2006-01-02")
					ans["expired"] = e.String() < today
				}
			}
		}
		registrysim.WriteJSON(w, http.StatusOK, ans)
		return nil
	})
}

// ---- trust platform ----

func (s *Simulator) store(w http.ResponseWriter, r *http.Request) error {
	var req CustomerStoreRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.OnboardingStatus != "IN_PROGRESS" && req.OnboardingStatus != "FINISHED" {
		return fail(http.StatusBadRequest, codeInvalidBody, "onboardingStatus must be IN_PROGRESS or FINISHED")
	}
	if req.ExternalID != nil && !externalIDRe.MatchString(*req.ExternalID) {
		return fail(http.StatusBadRequest, codeInvalidBody, "externalId must be 1 to 64 letters, digits, '.', '-' or '_'")
	}
	return s.withCustomer(r, func(c *customer) error {
		ext := c.id
		if req.ExternalID != nil {
			ext = *req.ExternalID
		}
		if p := c.stored; p != nil {
			if p.ExternalID != ext {
				return fail(http.StatusConflict, codeConflict, "customer %s is stored under another externalId", c.id)
			}
			if p.OnboardingStatus == "FINISHED" && req.OnboardingStatus != "FINISHED" {
				return fail(http.StatusConflict, codeConflict, "customer %s is stored as FINISHED", c.id)
			}
		}
		c.stored = &StoredRecord{ExternalID: ext, OnboardingStatus: req.OnboardingStatus}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
