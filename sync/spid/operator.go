package spid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/sync/delivery"
)

// Operator is a station operator to enroll in, or verify against, SPID.
type Operator struct {
	// Document is the operator's identifier in SPID (the station's operator ID).
	Document string
	Face     *enrollment.Face
	Fingers  []enrollment.Finger
}

// biometrics maps the operator's captures onto ContentData.
func (o Operator) biometrics() ([]ContentData, error) {
	var out []ContentData
	if o.Face != nil {
		out = append(out, content(FaceIndex, o.Face.Image))
	}
	for _, f := range o.Fingers {
		if f.Image == nil {
			continue
		}
		idx, ok := FingerIndex(f.Position)
		if !ok {
			return nil, fmt.Errorf("finger position %q has no SPID biometric index", f.Position)
		}
		out = append(out, content(idx, *f.Image))
	}
	if len(out) == 0 {
		return nil, errors.New("operator has no face or finger image")
	}
	return out, nil
}

// OperatorStatus is SPID's view of an operator: VERIFIED (or GOD_MODE)
// once enrolled, PENDING when inserted without biometrics, ENQUEUED while
// the enrollment is processed, EXCEPTION when SPID raised an anomaly,
// DELETED when removed.
type OperatorStatus struct {
	Document string
	Status   string
	TGUID    string
}

// Enrolled reports whether the operator may work (VERIFIED or GOD_MODE).
func (s OperatorStatus) Enrolled() bool {
	return s.Status == "VERIFIED" || s.Status == "GOD_MODE"
}

func operatorPending(status string) bool {
	return status == "ENQUEUED" || status == "PENDING" || status == ""
}

func validDocument(doc string) error {
	if doc == "" || len(doc) > 128 || strings.ContainsAny(doc, "/?#%") {
		return fmt.Errorf("operator document %q: want a non-empty identifier without '/', '?', '#' or '%%' (at most 128 bytes)", doc)
	}
	return nil
}

// EnrollOperator inserts the operator (operatorInsert; an existing operator
// is fine), submits its biometrics (enrollOperator) and waits, for at most
// MaxPollWait, until SPID has processed them. A still pending enrollment is
// returned with its status and no error: ask OperatorStatus later. SPID
// raising an exception on the operator is a conflict error.
func (c *Connector) EnrollOperator(ctx context.Context, op Operator) (OperatorStatus, error) {
	if err := validDocument(op.Document); err != nil {
		return OperatorStatus{}, delivery.Fail(0, err)
	}
	bios, err := op.biometrics()
	if err != nil {
		return OperatorStatus{}, delivery.Fail(0, err)
	}
	ins, _ := json.Marshal(map[string]any{"data": map[string]string{"document": op.Document}})
	a, err := c.call(ctx, "operatorInsert", http.MethodPost, pathOperator, ins)
	if err != nil {
		return OperatorStatus{}, err
	}
	if a.status != http.StatusCreated && a.status != http.StatusOK && a.status != http.StatusConflict {
		return OperatorStatus{}, a.failure()
	}
	enr, err := json.Marshal(map[string]any{"data": OperatorInfo{Document: op.Document, Biometrics: bios}})
	if err != nil {
		return OperatorStatus{}, delivery.Fail(0, fmt.Errorf("encode operator enrollment: %w", err))
	}
	a, err = c.call(ctx, "enrollOperator", http.MethodPut, pathOperator, enr)
	if err != nil {
		return OperatorStatus{}, err
	}
	if a.status != http.StatusCreated && a.status != http.StatusOK && a.status != http.StatusAccepted {
		return OperatorStatus{}, a.failure()
	}
	deadline := time.Now().Add(c.cfg.MaxPollWait)
	interval := c.cfg.PollInterval
	for {
		st, err := c.OperatorStatus(ctx, op.Document)
		if err != nil {
			return OperatorStatus{}, err
		}
		switch {
		case st.Status == "EXCEPTION":
			return st, delivery.Conflicting(http.StatusConflict, fmt.Errorf("SPID raised an exception on operator %s (transaction %s): its biometrics need analysis in SPID", op.Document, st.TGUID))
		case !operatorPending(st.Status):
			return st, nil
		}
		if !time.Now().Add(interval).Before(deadline) {
			return st, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return st, delivery.Retry(0, 0, fmt.Errorf("waiting for operator %s enrollment: %w", op.Document, err))
		}
		interval = min(2*interval, c.cfg.MaxPollInterval)
	}
}

// OperatorStatus reads an operator (getOperator).
func (c *Connector) OperatorStatus(ctx context.Context, document string) (OperatorStatus, error) {
	if err := validDocument(document); err != nil {
		return OperatorStatus{}, delivery.Fail(0, err)
	}
	a, err := c.call(ctx, "getOperator", http.MethodGet, pathOperator+"/"+url.PathEscape(document), nil)
	if err != nil {
		return OperatorStatus{}, err
	}
	if a.status != http.StatusOK {
		return OperatorStatus{}, a.failure()
	}
	o, err := ParseOperator(a.body)
	if err != nil {
		return OperatorStatus{}, delivery.Retry(a.status, 0, fmt.Errorf("getOperator: %w", err))
	}
	return OperatorStatus{Document: Clean(o.Document), Status: Clean(o.Status), TGUID: Clean(o.TGUID)}, nil
}

// Verification is the outcome of a biometric verification.
type Verification struct {
	TGUID   string
	Status  string
	Message string
	Matched bool
}

// VerifyOperator verifies the operator's fresh captures against SPID
// (verify, then getSearchResult until a final status, for at most
// MaxPollWait). A verification still pending is a retryable error.
func (c *Connector) VerifyOperator(ctx context.Context, op Operator) (Verification, error) {
	if err := validDocument(op.Document); err != nil {
		return Verification{}, delivery.Fail(0, err)
	}
	bios, err := op.biometrics()
	if err != nil {
		return Verification{}, delivery.Fail(0, err)
	}
	body, err := json.Marshal(UserTransactionRequest{Data: UserTransaction{
		Biometrics: bios, UserID: op.Document, OperatorID: op.Document, Timestamp: c.now().UnixMilli(),
	}})
	if err != nil {
		return Verification{}, delivery.Fail(0, fmt.Errorf("encode verify request: %w", err))
	}
	a, err := c.call(ctx, "verify", http.MethodPost, pathVerify, body)
	if err != nil {
		return Verification{}, err
	}
	if a.status != http.StatusOK && a.status != http.StatusCreated {
		return Verification{}, a.failure()
	}
	res, err := ParseExternalResult(a.body)
	if err != nil {
		return Verification{}, delivery.Retry(a.status, 0, fmt.Errorf("verify: %w", err))
	}
	tguid := res.ID
	deadline := time.Now().Add(c.cfg.MaxPollWait)
	interval := c.cfg.PollInterval
	for {
		a, err := c.call(ctx, "getSearchResult", http.MethodGet, pathVerify+"/"+url.PathEscape(tguid), nil)
		if err != nil {
			return Verification{}, err
		}
		if a.status != http.StatusOK && a.status != http.StatusNotFound {
			return Verification{}, a.failure()
		}
		if a.status == http.StatusOK {
			res, err := ParseExternalResult(a.body)
			if err != nil {
				return Verification{}, delivery.Retry(a.status, 0, fmt.Errorf("getSearchResult %s: %w", tguid, err))
			}
			if matched, done := VerifyOutcome(res.Status); done {
				return Verification{TGUID: tguid, Status: Clean(res.Status), Message: res.Message, Matched: matched}, nil
			}
		}
		if !time.Now().Add(interval).Before(deadline) {
			return Verification{TGUID: tguid}, delivery.Retry(0, interval, fmt.Errorf("verify transaction %s still pending after %v", tguid, c.cfg.MaxPollWait))
		}
		if err := sleep(ctx, interval); err != nil {
			return Verification{TGUID: tguid}, delivery.Retry(0, 0, fmt.Errorf("waiting for verify transaction %s: %w", tguid, err))
		}
		interval = min(2*interval, c.cfg.MaxPollInterval)
	}
}
