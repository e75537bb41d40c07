package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/store"
)

// Sealer queues a confirmed enrollment for delivery inside a transaction
// on the workflow's store, so that the queueing and the removal of the
// draft commit together; *outbox.Outbox is one. It must be idempotent by
// transaction ID.
type Sealer interface {
	EnqueueTx(tx *store.Tx, e *enrollment.Enrollment, targets []string) (created bool, err error)
}

// Options configure a Service. Devices may be nil (the step's commands then
// fail with ErrNoDevice) and may be adapters that find the device attached
// at the time of the call.
type Options struct {
	// StationID is written into every enrollment.
	StationID string
	// Policy decides what is required; DefaultPolicy when zero.
	Policy *Policy
	// Sealer and Targets: where Confirm queues the enrollment (the Sealer
	// works on the same store).
	Sealer  Sealer
	Targets []string
	// Audit is the audit log (audit.New over the same store).
	Audit *audit.Log
	// Approver checks supervisors' credentials (AccountsApprover).
	Approver Approver
	// Events receives progress events; nil discards them.
	Events Publisher
	// Chip, Document, Face and Fingers are the devices.
	Chip     ChipReader
	Document DocumentReader
	Face     FaceCapturer
	Fingers  FingerScanner
	// Clock is the time source; time.Now when nil.
	Clock func() time.Time
	// Logger logs IDs and stages (never personal data); slog.Default when nil.
	Logger *slog.Logger
}

// Service runs the enrollments of one station: it starts and resumes drafts
// and executes the commands of the operator's UI and the CLI on them. It is
// safe for concurrent use; commands on one enrollment run one at a time (a
// second one fails with ErrBusy while a capture runs).
type Service struct {
	db       *store.DB
	log      *audit.Log
	policy   Policy
	station  string
	sealer   Sealer
	targets  []string
	approver Approver
	pub      Publisher
	chip     ChipReader
	document DocumentReader
	face     FaceCapturer
	fingers  FingerScanner
	now      func() time.Time
	logger   *slog.Logger

	mu   sync.Mutex
	busy map[string]bool
}

// New returns a service over db. It validates the policy.
func New(db *store.DB, opts Options) (*Service, error) {
	p := DefaultPolicy()
	if opts.Policy != nil {
		p = *opts.Policy
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if db == nil || opts.Audit == nil {
		return nil, errors.New("workflow: a store and an audit log are required")
	}
	if opts.Sealer == nil || len(opts.Targets) == 0 {
		return nil, errors.New("workflow: a sealer (the outbox) and at least one delivery target are required")
	}
	s := &Service{
		db: db, log: opts.Audit, policy: p, station: opts.StationID, sealer: opts.Sealer,
		targets: append([]string(nil), opts.Targets...), approver: opts.Approver, pub: opts.Events,
		chip: opts.Chip, document: opts.Document, face: opts.Face, fingers: opts.Fingers, now: opts.Clock, logger: opts.Logger,
		busy: map[string]bool{},
	}
	if s.pub == nil {
		s.pub = discard{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	return s, nil
}

// Policy returns the policy in force.
func (s *Service) Policy() Policy { return s.policy }

// lock marks id busy; the returned function releases it.
func (s *Service) lock(id string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[id] {
		return nil, fmt.Errorf("%w: wait for it to finish", ErrBusy)
	}
	s.busy[id] = true
	return func() {
		s.mu.Lock()
		delete(s.busy, id)
		s.mu.Unlock()
	}, nil
}

// Start begins an enrollment for the operator and saves its first draft.
func (s *Service) Start(ctx context.Context, operatorID string) (Status, error) {
	if operatorID == "" {
		return Status{}, fmt.Errorf("start enrollment: %w: no operator", ErrInvalidInput)
	}
	now := s.now()
	d := &Draft{Enrollment: *enrollment.New(s.station, operatorID, now), Fingers: map[enrollment.Position]*FingerState{}}
	if err := s.commit(ctx, d, operatorID, "enrollment.start", nil); err != nil {
		return Status{}, fmt.Errorf("start enrollment: %w", err)
	}
	s.logger.Info("enrollment started", "id", d.Enrollment.TransactionID, "operator", operatorID)
	s.pub.Publish(events.KindEnrollment, EventStarted, StageEvent{ID: d.Enrollment.TransactionID, Stage: d.Stage, Operator: operatorID})
	return s.status(d), nil
}

// Resume reopens a saved draft (after a restart, or on another screen),
// audits it and returns its status.
func (s *Service) Resume(ctx context.Context, id, actor string) (Status, error) {
	unlock, err := s.lock(id)
	if err != nil {
		return Status{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if err := s.commit(ctx, d, actor, "enrollment.resume", nil); err != nil {
		return Status{}, err
	}
	s.pub.Publish(events.KindEnrollment, EventResumed, StageEvent{ID: id, Stage: d.Stage, Operator: actor})
	return s.status(d), nil
}

// Status returns where the enrollment stands, without changing it.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return Status{}, err
	}
	return s.status(d), nil
}

// Draft returns a copy of the saved draft, personal data included, for the
// operator's screen (the form, the chip portrait, the face). Never log it.
func (s *Service) Draft(ctx context.Context, id string) (*Draft, error) {
	return s.load(ctx, id)
}

// Drafts lists the enrollments in progress, oldest first by ID order.
func (s *Service) Drafts(ctx context.Context) ([]DraftInfo, error) {
	var out []DraftInfo
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = listDrafts(tx)
		return err
	})
	return out, err
}

// load reads a draft; for a finished enrollment it says how it ended.
func (s *Service) load(ctx context.Context, id string) (*Draft, error) {
	var d *Draft
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		d, err = loadDraft(tx, id)
		if errors.Is(err, ErrNotFound) {
			if end, found, terr := loadEnd(tx, id); terr != nil {
				return terr
			} else if found {
				return end.err(id)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.Fingers == nil {
		d.Fingers = map[enrollment.Position]*FingerState{}
	}
	return d, nil
}

// commit recomputes the draft's stage and saves it together with an audit
// entry, in one transaction, then announces the stage.
func (s *Service) commit(ctx context.Context, d *Draft, actor, action string, detail map[string]string) error {
	from := d.Stage
	d.Stage = s.stageOf(d)
	d.Version++
	d.UpdatedAt = s.now().UTC()
	det := map[string]string{"stage": d.Stage.String()}
	if from != 0 && from != d.Stage {
		det["from"] = from.String()
	}
	maps.Copy(det, detail)
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if err := saveDraft(tx, d); err != nil {
			return err
		}
		_, err := s.log.AppendTx(tx, audit.Entry{Time: d.UpdatedAt, Actor: actor, Action: action, Subject: d.Enrollment.TransactionID, Detail: det})
		return err
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", d.Enrollment.TransactionID, err)
	}
	s.pub.Publish(events.KindEnrollment, EventStage, StageEvent{ID: d.Enrollment.TransactionID, Stage: d.Stage, Action: action, Operator: actor})
	return nil
}

// audit appends an entry that changes no draft (a refused approval). A
// failure is logged: the refusal itself stands.
func (s *Service) audit(ctx context.Context, actor, action, subject string, detail map[string]string) {
	if _, err := s.log.Append(context.WithoutCancel(ctx), audit.Entry{Actor: actor, Action: action, Subject: subject, Detail: detail}); err != nil {
		s.logger.Error("audit append failed", "action", action, "id", subject, "err", err)
	}
}

// reach checks that the draft has reached the step of a command.
func (s *Service) reach(d *Draft, step Stage) error {
	if d.Stage >= step {
		return nil
	}
	missing := s.missing(d, d.Stage)
	msg := fmt.Sprintf("the %s step comes after the %s step: finish the %s step first", step, d.Stage, d.Stage)
	if len(missing) > 0 {
		msg += " (" + missing[0] + ")"
	}
	return fmt.Errorf("%w: %s", ErrOutOfOrder, msg)
}
