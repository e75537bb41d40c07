package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/store"
)

// Review returns the enrollment's summary for the operator's last look:
// every step's state, what is still missing and the exceptions accepted.
// It changes nothing.
func (s *Service) Review(ctx context.Context, id string) (Status, error) {
	return s.Status(ctx, id)
}

// Confirm seals a complete enrollment into the outbox and removes its
// draft, in one transaction.
func (s *Service) Confirm(ctx context.Context, id, actor string) (Status, error) {
	unlock, err := s.lock(id)
	if err != nil {
		return Status{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if d.Stage = s.stageOf(d); d.Stage != StageReview {
		st := s.status(d)
		return st, fmt.Errorf("confirm: %w: %s", ErrIncomplete, strings.Join(st.Missing, "; "))
	}
	now := s.now().UTC()
	e := d.Enrollment
	e.CompletedAt = now
	if e.Contextual == nil {
		e.Contextual = &enrollment.Contextual{}
	}
	if e.Contextual.EnrollmentDate == "" {
		e.Contextual.EnrollmentDate = e.CreatedAt.Format("2006-01-02")
	}
	if err := e.Validate(); err != nil {
		return Status{}, fmt.Errorf("confirm: %w", err)
	}
	// Queueing, removing the draft and the audit entry commit together: a
	// crash leaves either the draft or the queued enrollment, never both.
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		created, err := s.sealer.EnqueueTx(tx, &e, s.targets)
		if err != nil {
			return fmt.Errorf("queue for delivery: %w", err)
		}
		detail := map[string]string{"stage": StageSealed.String(), "targets": strings.Join(s.targets, ","), "exceptions": fmt.Sprint(len(d.Exceptions))}
		if !created {
			detail["requeued"] = "already queued"
		}
		if err := finish(tx, id, StageSealed, now); err != nil {
			return err
		}
		_, err = s.log.AppendTx(tx, audit.Entry{Time: now, Actor: actor, Action: "enrollment.seal", Subject: id, Detail: detail})
		return err
	})
	if err != nil {
		return Status{}, fmt.Errorf("confirm %s: %w", id, err)
	}
	d.Stage = StageSealed
	s.logger.Info("enrollment sealed", "id", id, "operator", actor, "exceptions", len(d.Exceptions))
	s.pub.Publish(events.KindEnrollment, EventSealed, StageEvent{ID: id, Stage: StageSealed, Operator: actor})
	return s.status(d), nil
}

// Cancel abandons the enrollment: the draft and its personal data are
// deleted and the cancellation is audited with the reason code.
func (s *Service) Cancel(ctx context.Context, id, actor, reason string) error {
	if len(reason) > 200 {
		return fmt.Errorf("cancel: %w: keep the reason under 200 characters", ErrInvalidInput)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := finish(tx, id, StageCancelled, now); err != nil {
			return err
		}
		_, err := s.log.AppendTx(tx, audit.Entry{Time: now, Actor: actor, Action: "enrollment.cancel", Subject: id,
			Detail: map[string]string{"stage": StageCancelled.String(), "from": d.Stage.String(), "reason": reason}})
		return err
	})
	if err != nil {
		return fmt.Errorf("cancel %s: %w", id, err)
	}
	s.pub.Publish(events.KindEnrollment, EventCancelled, StageEvent{ID: id, Stage: StageCancelled, Operator: actor})
	return nil
}

// IsRefusal reports whether err is a refusal the operator can act on (a
// command out of order, a missing approval, retries left…) rather than a
// failure of the station.
func IsRefusal(err error) bool {
	for _, t := range []error{ErrOutOfOrder, ErrSealed, ErrBusy, ErrIncomplete, ErrInvalidInput, ErrRetriesLeft,
		ErrNothingToAccept, ErrApprovalRequired, ErrApprovalRefused, ErrNotFound} {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
