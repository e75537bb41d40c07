package dis

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/sync/delivery"
)

// CustomerID returns the customer UUID the enrollment is onboarded under:
// the identity ID itself when it is a version 4 UUID (as the station
// generates them), else a version-4-shaped UUID derived from it with
// SHA-256. Every attempt for one enrollment uses the same customer.
func CustomerID(e *enrollment.Enrollment) string {
	if u, err := uuid.Parse(e.IdentityID); err == nil && len(e.IdentityID) == 36 && u.Version() == 4 && u.Variant() == uuid.RFC4122 {
		return u.String()
	}
	h := sha256.Sum256([]byte("capturestation/dis/customer\x00" + e.IdentityID))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	u, _ := uuid.FromBytes(h[:16]) // 16 bytes never fail
	return u.String()
}

// PrimaryDocument returns the index of the document onboarded with the
// enrollment (a customer holds one document): the first passport or
// identity card with page images or chip data, else the first document
// with either; -1 when there is none.
func PrimaryDocument(e *enrollment.Enrollment) int {
	first := -1
	for i, d := range e.Documents {
		if len(d.Pages) == 0 && len(d.ChipDataGroups) == 0 && len(d.ChipSOD) == 0 {
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

// details collects receipt details.
type details map[string]string

func (d details) set(k, v string) {
	if v != "" {
		d[k] = v
	}
}

// Deliver onboards e as a customer of the service. It is idempotent: the
// customer's UUID comes from the enrollment, a customer that already
// exists (an earlier attempt whose answer was lost) is completed again,
// and every step replaces what an earlier attempt left.
func (c *Connector) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	if err := e.Validate(); err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	docIdx := PrimaryDocument(e)
	hasFace := e.Face != nil && len(e.Face.Image.Data) > 0
	if !hasFace && docIdx < 0 {
		return delivery.Receipt{}, delivery.Fail(0, errors.New(
			"the enrollment has neither a face image nor a document image or chip data: a Digital Identity Service onboarding needs at least one; complete the enrollment"))
	}
	cid := CustomerID(e)
	path := "/api/v1/customers/" + cid
	d := details{"customerId": cid}

	present, err := c.createCustomer(ctx, path)
	if err != nil {
		return delivery.Receipt{}, err
	}
	if hasFace {
		if err := c.sendFace(ctx, path, e.Face.Image, d); err != nil {
			return delivery.Receipt{}, err
		}
	}
	if docIdx >= 0 {
		if err := c.sendDocument(ctx, path, &e.Documents[docIdx], d); err != nil {
			return delivery.Receipt{}, err
		}
		if n := len(e.Documents) - 1; n > 0 {
			d.set("documentsNotSent", strconv.Itoa(n))
		}
	}
	if hasFace {
		if err := c.inspect(ctx, path+"/inspect", "inspect customer", "inspection.customer", d); err != nil {
			return delivery.Receipt{}, err
		}
	}
	if docIdx >= 0 {
		if err := c.inspect(ctx, path+"/document/inspect", "inspect document", "inspection.document", d); err != nil {
			return delivery.Receipt{}, err
		}
		if err := c.checkCustomer(ctx, path, e, &e.Documents[docIdx], d); err != nil {
			return delivery.Receipt{}, err
		}
	}
	if c.cfg.TrustPlatform {
		if err := c.store(ctx, path, e, d); err != nil {
			return delivery.Receipt{}, err
		}
	}
	return delivery.Receipt{
		Kind: Kind, PersonID: e.PersonID, IdentityID: e.IdentityID,
		DeliveredAt: c.now().UTC(), AlreadyPresent: present, Details: d,
	}, nil
}

// createCustomer creates the customer under its UUID (POST
// /api/v1/customers/{id}). 422 ALREADY_EXISTS means an earlier attempt
// created it: the UUID is derived from the station-generated identity ID,
// so the customer is this enrollment's, and the steps that follow replace
// whatever that attempt sent.
func (c *Connector) createCustomer(ctx context.Context, path string) (present bool, err error) {
	a, err := c.call(ctx, http.MethodPost, path, "", nil)
	if err != nil {
		return false, err
	}
	switch a.status {
	case http.StatusOK, http.StatusCreated:
		return false, nil
	case http.StatusUnprocessableEntity:
		if code, _ := parseError(a.body); code == "ALREADY_EXISTS" {
			return true, nil
		}
	}
	return false, a.failure("create customer")
}

// step sends one onboarding step and returns its parsed answer (200 or 204).
func (c *Connector) step(ctx context.Context, op, method, path, ctype string, body []byte) (stepAnswer, error) {
	a, err := c.call(ctx, method, path, ctype, body)
	if err != nil {
		return stepAnswer{}, err
	}
	if a.status != http.StatusOK && a.status != http.StatusNoContent {
		return stepAnswer{}, a.failure(op)
	}
	s, err := parseStep(a.body)
	if err != nil {
		return stepAnswer{}, delivery.Retry(a.status, 0, fmt.Errorf("%s: %w", op, err))
	}
	return s, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("dis: encoding a request body: %v", err)) // only maps, strings and byte slices
	}
	return b
}

type imageBody struct {
	Data []byte `json:"data"`
}

// sendFace provides the selfie, resets the liveness, adds the selfie as a
// passive liveness selfie (by link, not uploaded twice) and evaluates
// passive liveness.
func (c *Connector) sendFace(ctx context.Context, path string, img enrollment.Image, d details) error {
	s, err := c.step(ctx, "provide selfie", http.MethodPut, path+"/selfie", "application/json",
		mustJSON(map[string]any{"image": imageBody{img.Data}}))
	if err != nil {
		return err
	}
	if s.ErrorCode != "" {
		return delivery.Fail(http.StatusOK, fmt.Errorf(
			"provide selfie: the service could not use the face image (%s): recapture the face", s.ErrorCode))
	}
	if s.Detection != nil && s.Detection.Confidence != nil {
		d.set("selfie.detectionConfidence", strconv.FormatFloat(*s.Detection.Confidence, 'f', -1, 64))
	}
	d.set("selfie.warnings", s.warnings())
	// The liveness selfie reuses the selfie by the link the service gave.
	link := path + "/selfie"
	if s.Links != nil && strings.HasPrefix(s.Links.Self, "/") && !strings.ContainsAny(s.Links.Self, "\r\n") {
		link = s.Links.Self
	}

	if _, err := c.step(ctx, "create liveness", http.MethodPut, path+"/liveness", "", nil); err != nil {
		return err
	}
	s, err = c.step(ctx, "provide liveness selfie", http.MethodPost, path+"/liveness/selfies", "application/json",
		mustJSON(map[string]any{"selfieOrigin": map[string]string{"link": link}, "assertion": "NONE"}))
	if err != nil {
		return err
	}
	if s.ErrorCode != "" {
		return delivery.Fail(http.StatusOK, fmt.Errorf(
			"provide liveness selfie: the service could not use the face image (%s): recapture the face", s.ErrorCode))
	}
	d.set("liveness.selfie.warnings", s.warnings())
	s, err = c.step(ctx, "evaluate liveness", http.MethodPost, path+"/liveness/evaluation", "application/json",
		[]byte(`{"type":"PASSIVE_LIVENESS"}`))
	if err != nil {
		return err
	}
	if s.Score != nil {
		d.set("liveness.passive.score", strconv.FormatFloat(*s.Score, 'f', -1, 64))
	}
	d.set("liveness.passive.errorCode", s.ErrorCode)
	return nil
}

// documentType maps the station's document type to the API's
// classification type; "" leaves the type to the service.
func documentType(t enrollment.DocumentType) string {
	switch t {
	case enrollment.DocPassport:
		return "passport"
	case enrollment.DocIDCard:
		return "identity-card"
	}
	return ""
}

var alpha3 = regexp.MustCompile(`^[A-Z]{3}$`)

// adviceCountry maps an ICAO issuing state to the lower-case ISO 3166
// alpha-3 code the API expects; codes with no country (organizations,
// X.. codes) give "".
func adviceCountry(s string) string {
	s = strings.ToUpper(strings.Trim(s, "< "))
	switch s {
	case "D":
		return "deu"
	case "GBD", "GBN", "GBO", "GBP", "GBS":
		return "gbr"
	case "UNO", "UNA", "UNK", "EUE":
		return ""
	}
	if !alpha3.MatchString(s) || s[0] == 'X' {
		return ""
	}
	return strings.ToLower(s)
}

// mrzType names the MRZ layout by its lines: td1 (3×30), td2 (2×36), td3 (2×44).
func mrzType(m string) string {
	lines := strings.FieldsFunc(m, func(r rune) bool { return r == '\n' || r == '\r' || r == '|' })
	switch {
	case len(lines) == 3 && len(strings.TrimSpace(lines[0])) == 30:
		return "td1"
	case len(lines) == 2 && len(strings.TrimSpace(lines[0])) == 36:
		return "td2"
	case len(lines) == 2 && len(strings.TrimSpace(lines[0])) == 44:
		return "td3"
	}
	return ""
}

// DocumentAdvice returns the CreateDocumentRequest.advice.classification
// the connector sends for doc, or nil when it knows nothing to advise.
func DocumentAdvice(doc *enrollment.Document) map[string][]string {
	adv := map[string][]string{}
	if c := adviceCountry(doc.IssuingState); c != "" {
		adv["countries"] = []string{c}
	}
	if t := documentType(doc.Type); t != "" {
		adv["types"] = []string{t}
	}
	if m := mrzType(doc.MRZ); m != "" {
		adv["machineReadableTravelDocuments"] = []string{m}
	}
	if len(adv) == 0 {
		return nil
	}
	return adv
}

// DocumentPages returns the pages sent for doc with their page types: the
// images ordered by page number (unnumbered ones last, in capture order),
// the first as "front" and the second as "back"; a passport sends its
// first image (the data page) only. The rest are not sent.
func DocumentPages(doc *enrollment.Document) (pages []enrollment.Image, types []string, left int) {
	idx := make([]int, len(doc.Pages))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		pa, pb := doc.Pages[idx[a]].Page, doc.Pages[idx[b]].Page
		if pa == 0 || pb == 0 {
			return pa != 0 && pb == 0
		}
		return pa < pb
	})
	limit := 2
	if doc.Type == enrollment.DocPassport {
		limit = 1
	}
	for i, j := range idx {
		if i >= limit {
			left++
			continue
		}
		pages = append(pages, doc.Pages[j])
		types = append(types, []string{"front", "back"}[i])
	}
	return pages, types, left
}

// ChipData returns the raw LDS bytes sent for doc: the data group files
// as read from the chip, in data group order, then EF.SOD; nil when the
// chip was not read.
func ChipData(doc *enrollment.Document) []byte {
	dgs := make([]int, 0, len(doc.ChipDataGroups))
	for dg := range doc.ChipDataGroups {
		dgs = append(dgs, dg)
	}
	slices.Sort(dgs)
	var out []byte
	for _, dg := range dgs {
		out = append(out, doc.ChipDataGroups[dg]...)
	}
	return append(out, doc.ChipSOD...)
}

// sendDocument creates (or replaces) the document with its advice, then
// provides the pages and the chip data.
func (c *Connector) sendDocument(ctx context.Context, path string, doc *enrollment.Document, d details) error {
	req := map[string]any{}
	if adv := DocumentAdvice(doc); adv != nil {
		req["advice"] = map[string]any{"classification": adv}
	}
	if len(c.cfg.DocumentSources) > 0 {
		req["sources"] = c.cfg.DocumentSources
	}
	if _, err := c.step(ctx, "create document", http.MethodPut, path+"/document", "application/json", mustJSON(req)); err != nil {
		return err
	}
	pages, types, left := DocumentPages(doc)
	var got []string
	for i, p := range pages {
		op := "provide document page " + types[i]
		s, err := c.step(ctx, op, http.MethodPut, path+"/document/pages", "application/json", mustJSON(map[string]any{
			"image":  imageBody{p.Data},
			"advice": map[string]any{"classification": map[string][]string{"pageTypes": {types[i]}}},
		}))
		if err != nil {
			return err
		}
		if s.ErrorCode != "" {
			return delivery.Fail(http.StatusOK, fmt.Errorf(
				"%s: the service could not process the page image (%s): recapture the %s page", op, s.ErrorCode, types[i]))
		}
		got = append(got, clean(s.PageType, 20))
		d.set("document.page."+types[i]+".warnings", s.warnings())
		if t := s.DocumentType; t != nil {
			d.set("document.type", clean(t.Type, 40))
			d.set("document.country", clean(t.Country, 10))
			d.set("document.edition", clean(t.Edition, 40))
			d.set("document.mrtd", clean(t.MachineReadableTravelDocument, 10))
			d.set("document.supportLevel", clean(t.SupportLevel, 40))
		}
	}
	d.set("document.pageTypes", strings.Join(got, ","))
	if left > 0 {
		d.set("document.pagesNotSent", strconv.Itoa(left))
	}
	if raw := ChipData(doc); len(raw) > 0 {
		s, err := c.step(ctx, "provide chip data", http.MethodPut, path+"/document/chip/data", "application/octet-stream", raw)
		if err != nil {
			return err
		}
		if s.ErrorCode != "" {
			return delivery.Fail(http.StatusOK, fmt.Errorf(
				"provide chip data: the service could not parse the chip data (%s): read the chip again", s.ErrorCode))
		}
		d.set("document.chip", "sent")
	}
	return nil
}

// inspect runs an inspection and copies its verdicts into the receipt.
func (c *Connector) inspect(ctx context.Context, path, op, prefix string, d details) error {
	a, err := c.call(ctx, http.MethodPost, path, "", nil)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return a.failure(op)
	}
	m, err := flattenInspection(prefix, a.body)
	if err != nil {
		return delivery.Retry(a.status, 0, fmt.Errorf("%s: %w", op, err))
	}
	for k, v := range m {
		if len(d) >= 3*maxDetails {
			break
		}
		d.set(k, v)
	}
	return nil
}

// checkCustomer reads the customer back (what the service read from the
// document) and records which fields agree with the enrollment, by name only.
func (c *Connector) checkCustomer(ctx context.Context, path string, e *enrollment.Enrollment, doc *enrollment.Document, d details) error {
	a, err := c.call(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return a.failure("read customer")
	}
	cu, err := parseCustomer(a.body)
	if err != nil {
		return delivery.Retry(a.status, 0, fmt.Errorf("read customer: %w", err))
	}
	b := e.Biographic
	nat := b.Nationality
	checked, differ := compareCustomer(cu, b.LastName, b.FirstName, b.DateOfBirth, nat, doc.Number, doc.DateOfExpiry)
	d.set("customer.checked", strings.Join(checked, ","))
	switch {
	case len(differ) > 0:
		d.set("customer.differs", strings.Join(differ, ","))
	case len(checked) > 0:
		d.set("customer.consistent", "true")
	}
	return nil
}

var externalIDRe = regexp.MustCompile(`^[a-zA-Z\d._-]{1,64}$`)

// store records the finished onboarding in the Trust Platform under the
// person ID (or the customer UUID when the person ID does not fit the
// API's externalId pattern).
func (c *Connector) store(ctx context.Context, path string, e *enrollment.Enrollment, d details) error {
	req := map[string]string{"onboardingStatus": "FINISHED"}
	if externalIDRe.MatchString(e.PersonID) {
		req["externalId"] = e.PersonID
		d.set("trustPlatform.externalId", "personId")
	} else {
		d.set("trustPlatform.externalId", "customerId")
	}
	a, err := c.call(ctx, http.MethodPost, path+"/store", "application/json", mustJSON(req))
	if err != nil {
		return err
	}
	if a.status != http.StatusNoContent && a.status != http.StatusOK {
		return a.failure("store in Trust Platform")
	}
	d.set("trustPlatform.onboardingStatus", "FINISHED")
	return nil
}
