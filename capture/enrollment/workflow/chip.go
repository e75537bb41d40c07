package workflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/events"
)

// ChipAccess is what opens the chip: the MRZ key or the CAN.
type ChipAccess struct {
	MRZ *emrtd.MRZKey
	CAN string
}

// ChipResult is a chip read as the workflow keeps it. The devices package
// builds it from capture/emrtd/reader's Result.
type ChipResult struct {
	// Access names the protocol that opened the chip.
	Access string
	// DocumentNumber is DG1's, to check that the chip belongs to the scanned MRZ.
	DocumentNumber string
	// Groups are the raw data groups and SOD is EF.SOD.
	Groups map[int][]byte
	SOD    []byte
	// Passive is the passive-authentication verdict ("passed" or "failed");
	// Genuine is reader.Result.Genuine (PA passed and no clone check failed).
	Passive string
	Genuine bool
	// Problems explain failed checks.
	Problems []string
	// Portrait is the first DG2 face image and its format ("JPEG", "JPEG2000").
	Portrait       []byte
	PortraitFormat string
}

// ChipReader reads the chip of the document on the station's reader,
// reporting each step as it starts.
type ChipReader interface {
	ReadChip(ctx context.Context, access ChipAccess, progress func(step string)) (*ChipResult, error)
}

// ChipOutcome is what ReadChip returns.
type ChipOutcome struct {
	Status Status `json:"status"`
	// Genuine is true when the chip was read and passed passive authentication.
	Genuine bool   `json:"genuine"`
	Access  string `json:"access,omitempty"`
	Passive string `json:"passive,omitempty"`
	// Problems explain a failed read or check; HasPortrait says the chip
	// portrait is in the draft (Draft().Chip.Portrait) for display.
	Problems    []string `json:"problems,omitempty"`
	HasPortrait bool     `json:"hasPortrait"`
}

// ReadChip reads the document's chip with the key of the scanned MRZ (or,
// when can is not empty, the card access number) and records the data
// groups, EF.SOD and the passive-authentication verdict. A read that fails
// (no card, wrong key, protocol error) counts as an attempt and is returned
// as an outcome with Problems, not as an error; an error means the command
// itself could not run.
func (s *Service) ReadChip(ctx context.Context, id, actor, can string) (ChipOutcome, error) {
	if s.chip == nil {
		return ChipOutcome{}, fmt.Errorf("read chip: %w: no chip reader configured", ErrNoDevice)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return ChipOutcome{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return ChipOutcome{}, err
	}
	if err := s.reach(d, StageDocument); err != nil {
		return ChipOutcome{}, err
	}
	access := ChipAccess{CAN: can}
	if can == "" {
		if d.MRZ == nil {
			return ChipOutcome{}, fmt.Errorf("read chip: %w: scan the MRZ first (its document number and dates open the chip), or give the CAN", ErrOutOfOrder)
		}
		access.MRZ = &emrtd.MRZKey{DocumentNumber: d.MRZ.DocumentNumber, DateOfBirth: d.MRZ.Birth, DateOfExpiry: d.MRZ.Expiry}
	}
	progress := func(step string) {
		s.pub.Publish(events.KindCapture, EventChipStep, CaptureEvent{ID: id, Step: "chip", Stage: step})
	}
	r, rerr := s.chip.ReadChip(ctx, access, progress)
	if rerr != nil && ctx.Err() != nil {
		return ChipOutcome{}, fmt.Errorf("read chip: %w", ctx.Err())
	}
	if d.Chip == nil {
		d.Chip = &ChipState{}
	}
	c := d.Chip
	c.Attempts++
	detail := map[string]string{"attempt": fmt.Sprint(c.Attempts)}
	if rerr != nil {
		c.LastError = rerr.Error()
		detail["outcome"] = "unreadable"
		s.logger.Info("chip read failed", "id", id, "err", rerr)
	} else {
		c.Read, c.Access, c.Passive, c.Genuine, c.Problems = true, r.Access, r.Passive, r.Genuine, r.Problems
		c.Portrait, c.PortraitFormat, c.LastError = r.Portrait, r.PortraitFormat, ""
		if d.MRZ != nil && r.DocumentNumber != "" && !strings.EqualFold(r.DocumentNumber, d.MRZ.DocumentNumber) {
			c.Genuine = false
			c.Problems = append(c.Problems, "the chip's DG1 names another document than the scanned MRZ")
		}
		if len(d.Enrollment.Documents) > 0 {
			doc := &d.Enrollment.Documents[0]
			doc.ChipDataGroups, doc.ChipSOD, doc.PassiveAuth = r.Groups, r.SOD, r.Passive
		}
		detail["outcome"], detail["access"], detail["passive"], detail["genuine"] = "read", r.Access, r.Passive, fmt.Sprint(c.Genuine)
	}
	if err := s.commit(ctx, d, actor, "enrollment.chip", detail); err != nil {
		return ChipOutcome{}, err
	}
	genuine := c.Genuine
	s.pub.Publish(events.KindCapture, EventChipResult, CaptureEvent{ID: id, Step: "chip", Access: c.Access, Passive: c.Passive, Genuine: &genuine, Attempts: c.Attempts, Outcome: detail["outcome"]})
	out := ChipOutcome{Status: s.status(d), Genuine: c.Genuine, Access: c.Access, Passive: c.Passive, Problems: c.Problems, HasPortrait: len(c.Portrait) > 0}
	if rerr != nil {
		out.Problems = []string{rerr.Error()}
	}
	return out, nil
}

// AcceptChipFailure accepts the document although its chip could not be
// read or failed passive authentication, with the operator's reason and, if
// the policy asks, a supervisor's approval. A chip that could not be read
// must have been tried Policy.Retries times first.
func (s *Service) AcceptChipFailure(ctx context.Context, id, actor, reason string, a *Approval) (Status, error) {
	return s.exception(ctx, id, actor, StageDocument, Exception{Kind: ExceptionChip, Target: "document", Reason: reason}, a, func(d *Draft) error {
		if !s.policy.RequireDocument {
			return fmt.Errorf("%w: the policy does not ask for a document", ErrNothingToAccept)
		}
		if d.MRZ == nil || len(d.Enrollment.Documents) == 0 {
			return fmt.Errorf("%w: scan the MRZ first", ErrOutOfOrder)
		}
		c := d.Chip
		switch {
		case c == nil || c.Attempts == 0:
			return fmt.Errorf("%w: read the chip first", ErrNothingToAccept)
		case c.Genuine:
			return fmt.Errorf("%w: the chip is genuine", ErrNothingToAccept)
		case !c.Read && c.Attempts < s.policy.Retries:
			return fmt.Errorf("%w: %d of %d chip reads tried", ErrRetriesLeft, c.Attempts, s.policy.Retries)
		}
		return nil
	})
}

// exception is the common path of the accept commands: check the step and
// the precondition, get the approval, record the exception, apply it, save.
func (s *Service) exception(ctx context.Context, id, actor string, step Stage, ex Exception, a *Approval, check func(d *Draft) error, apply ...func(d *Draft)) (Status, error) {
	if strings.TrimSpace(ex.Reason) == "" {
		return Status{}, fmt.Errorf("accept %s exception: %w: give a reason", ex.Kind, ErrInvalidInput)
	}
	if len(ex.Reason) > 200 {
		return Status{}, fmt.Errorf("accept %s exception: %w: keep the reason under 200 characters", ex.Kind, ErrInvalidInput)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return Status{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if err := s.reach(d, step); err != nil {
		return Status{}, err
	}
	if err := check(d); err != nil {
		return Status{}, fmt.Errorf("accept %s exception: %w", ex.Kind, err)
	}
	sup, err := s.approve(ctx, d, actor, ex.Kind, a)
	if err != nil {
		return Status{}, fmt.Errorf("accept %s exception: %w", ex.Kind, err)
	}
	ex.Operator, ex.Supervisor, ex.At = actor, sup, s.now().UTC()
	d.Exceptions = append(without(d.Exceptions, ex.Kind, ex.Target), ex)
	for _, fn := range apply {
		fn(d)
	}
	detail := map[string]string{"kind": string(ex.Kind), "target": ex.Target}
	if sup != "" {
		detail["supervisor"] = sup
	}
	if ex.Kind == ExceptionMissingFinger {
		detail["reason"] = ex.Reason // a MissingReason code
	}
	if err := s.commit(ctx, d, actor, "enrollment.exception", detail); err != nil {
		return Status{}, err
	}
	s.pub.Publish(events.KindEnrollment, EventException, StageEvent{ID: id, Stage: d.Stage, Operator: actor, Kind: ex.Kind, Target: ex.Target, Supervisor: sup})
	return s.status(d), nil
}
