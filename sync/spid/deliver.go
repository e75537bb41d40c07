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
	"github.com/capturestation/station/sync/worker"
)

var _ worker.Connector = (*Connector)(nil)

// Encode returns the enroll request body SPID receives for e.
func (c *Connector) Encode(e *enrollment.Enrollment) ([]byte, error) {
	ut, err := BuildTransaction(e)
	if err != nil {
		return nil, err
	}
	return json.Marshal(UserTransactionRequest{Data: ut})
}

// Deliver enrolls e in SPID and waits, for at most MaxPollWait, for the
// enroll transaction's final status. It is idempotent: before enrolling it
// asks SPID for the person's transaction and, when it is the one this
// enrollment created (same userId, operatorId and timestamp), resumes polling
// its TGUID instead of enrolling again.
func (c *Connector) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	if err := e.Validate(); err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	if e.OperatorID == "" {
		return delivery.Receipt{}, delivery.Fail(0, errors.New("enrollment has no operatorId: SPID needs the operator who captured it"))
	}
	ut, err := BuildTransaction(e)
	if err != nil {
		return delivery.Receipt{}, delivery.Fail(0, fmt.Errorf("map enrollment for SPID: %w", err))
	}
	body, err := json.Marshal(UserTransactionRequest{Data: ut})
	if err != nil {
		return delivery.Receipt{}, delivery.Fail(0, fmt.Errorf("encode enroll request: %w", err))
	}

	tguid, resumed, err := c.findOwn(ctx, ut)
	if err != nil {
		return delivery.Receipt{}, err
	}
	if tguid == "" {
		tguid, resumed, err = c.enroll(ctx, ut, body)
		if err != nil {
			return delivery.Receipt{}, err
		}
	}
	res, err := c.await(ctx, tguid)
	if err != nil {
		return delivery.Receipt{}, err
	}
	rc := delivery.Receipt{
		Kind: Kind, PersonID: e.PersonID, IdentityID: e.IdentityID,
		DeliveredAt: c.now().UTC(), AlreadyPresent: resumed,
		Details: map[string]string{"tguid": tguid, "enrollStatus": res.Status},
	}
	if res.Message != "" {
		rc.Details["message"] = res.Message
	}
	if p, ok := c.person(ctx, ut.UserID); ok {
		rc.Details["personGuid"] = Clean(p.PersonGUID)
		if p.EnrollStatus != "" {
			rc.Details["personEnrollStatus"] = Clean(p.EnrollStatus)
		}
	}
	return rc, nil
}

// findOwn asks SPID for the latest transaction of the enrollment's userId.
// It returns the TGUID to resume when that transaction is this
// enrollment's, "" when there is none (or it failed and enrolled nothing),
// and a conflict when SPID holds another capture's enroll transaction for
// the person.
func (c *Connector) findOwn(ctx context.Context, ut UserTransaction) (string, bool, error) {
	a, err := c.call(ctx, "look up earlier enroll transaction", http.MethodGet, pathPersonTx+url.PathEscape(ut.UserID), nil)
	if err != nil {
		return "", false, err
	}
	switch a.status {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", false, nil
	default:
		return "", false, a.failure()
	}
	tx, err := ParseTransactionData(a.body)
	if err != nil {
		return "", false, delivery.Retry(a.status, 0, fmt.Errorf("look up earlier enroll transaction: %w", err))
	}
	if tx.Type != "" && !strings.EqualFold(tx.Type, transactionTypeEnrl) {
		return "", false, nil
	}
	ours := tx.Timestamp == ut.Timestamp && tx.OperatorID == ut.OperatorID
	if !ours {
		return "", false, delivery.Conflicting(http.StatusConflict, fmt.Errorf(
			"SPID already holds enroll transaction %s (status %s) for this personId from another capture: resolve it in SPID, or re-enroll the person under a new personId",
			Clean(tx.ID), Clean(tx.Status)))
	}
	if EnrollOutcome(tx.Status) == Failed {
		return "", false, nil
	}
	return tx.ID, true, nil
}

// enroll submits the UserTransaction and returns its TGUID.
func (c *Connector) enroll(ctx context.Context, ut UserTransaction, body []byte) (string, bool, error) {
	a, err := c.call(ctx, "enroll", http.MethodPost, pathPeople, body)
	if err != nil {
		return "", false, err
	}
	switch a.status {
	case http.StatusOK, http.StatusCreated:
		res, perr := ParseExternalResult(a.body)
		if perr == nil {
			if EnrollOutcome(res.Status) == Failed {
				return "", false, delivery.Fail(a.status, fmt.Errorf("enroll: SPID refused transaction %s with status %s: %s", Clean(res.ID), Clean(res.Status), orNone(res.Message)))
			}
			return res.ID, false, nil
		}
		// Accepted without a usable TGUID: find the transaction by person.
		tguid, _, err := c.findOwn(ctx, ut)
		if err != nil {
			return "", false, err
		}
		if tguid == "" {
			return "", false, delivery.Retry(a.status, 0, fmt.Errorf("enroll: accepted without a transaction GUID (%v) and none found for the person yet; the next attempt looks again", perr))
		}
		return tguid, false, nil
	case http.StatusConflict:
		// A transaction for the person exists: ours from a lost answer, or another capture's.
		tguid, resumed, err := c.findOwn(ctx, ut)
		if err != nil {
			return "", false, err
		}
		if tguid != "" {
			return tguid, resumed, nil
		}
		return "", false, delivery.Conflicting(a.status, fmt.Errorf("enroll: SPID reports a conflicting record for this personId: %s", ErrorMessage(a.body)))
	}
	return "", false, a.failure()
}

// await polls getEnrollResult with backoff until a final status, the
// context's end or MaxPollWait. Enrolled returns the result; the other final
// statuses return classified errors; a still pending transaction returns a
// retryable error, and the next attempt resumes polling the same TGUID.
func (c *Connector) await(ctx context.Context, tguid string) (ExternalResult, error) {
	deadline := time.Now().Add(c.cfg.MaxPollWait)
	interval := c.cfg.PollInterval
	last := "unknown"
	for {
		a, err := c.call(ctx, "getEnrollResult", http.MethodGet, pathEnrollResult+url.PathEscape(tguid), nil)
		if err != nil {
			return ExternalResult{}, err
		}
		switch a.status {
		case http.StatusOK:
			res, err := ParseExternalResult(a.body)
			if err != nil {
				return ExternalResult{}, delivery.Retry(a.status, 0, fmt.Errorf("getEnrollResult %s: %w", tguid, err))
			}
			last = Clean(res.Status)
			switch EnrollOutcome(res.Status) {
			case Enrolled:
				return res, nil
			case Rejected:
				return res, delivery.Conflicting(http.StatusConflict, fmt.Errorf(
					"SPID rejected enroll transaction %s (%s: %s): anomalies such as a biometric duplicate wait for analysis in SPID; this enrollment is not retried",
					tguid, last, orNone(res.Message)))
			case Failed:
				return res, delivery.Fail(http.StatusOK, fmt.Errorf(
					"SPID enroll transaction %s ended %s: %s; retry it from the failed list to enroll again",
					tguid, last, orNone(res.Message)))
			}
		case http.StatusNotFound:
			// Just created and not yet visible: keep polling.
			last = "not yet visible"
		default:
			return ExternalResult{}, a.failure()
		}
		if !time.Now().Add(interval).Before(deadline) {
			return ExternalResult{}, delivery.Retry(0, interval, fmt.Errorf(
				"enroll transaction %s still %s after %v: the next attempt resumes polling it", tguid, last, c.cfg.MaxPollWait))
		}
		if err := sleep(ctx, interval); err != nil {
			return ExternalResult{}, delivery.Retry(0, 0, fmt.Errorf("waiting for enroll transaction %s (%s): %w; the next attempt resumes polling it", tguid, last, err))
		}
		interval = min(2*interval, c.cfg.MaxPollInterval)
	}
}

// person reads the enrolled person (getPerson) for the receipt; a failure
// only leaves the receipt without the person GUID.
func (c *Connector) person(ctx context.Context, key string) (Person, bool) {
	a, err := c.call(ctx, "getPerson", http.MethodGet, pathPeople+"/"+url.PathEscape(key), nil)
	if err != nil || a.status != http.StatusOK {
		return Person{}, false
	}
	p, err := ParsePerson(a.body)
	return p, err == nil
}

func orNone(s string) string {
	if s == "" {
		return "no message"
	}
	return s
}
