package workflow

import "errors"

// Errors callers branch on (with errors.Is). Commands wrap them with what
// was refused and what to do instead.
var (
	// ErrNotFound: no draft with this ID (never started, sealed or cancelled).
	ErrNotFound = errors.New("no enrollment in progress with this ID")
	// ErrOutOfOrder: the command belongs to a step the enrollment has not reached.
	ErrOutOfOrder = errors.New("step not reached yet")
	// ErrSealed: the enrollment was already confirmed and sealed into the outbox.
	ErrSealed = errors.New("this enrollment is already sealed")
	// ErrBusy: another command (a capture) is running on the same enrollment.
	ErrBusy = errors.New("another command is running on this enrollment")
	// ErrIncomplete: Confirm was asked while required data is missing.
	ErrIncomplete = errors.New("the enrollment is incomplete")
	// ErrInvalidInput: a command's argument is malformed (unknown position,
	// bad date, unreadable MRZ, empty reason).
	ErrInvalidInput = errors.New("invalid input")
	// ErrNoDevice: the device the command needs is not configured or attached.
	ErrNoDevice = errors.New("the device for this step is not available")
	// ErrRetriesLeft: a low-quality capture or exception may be accepted
	// only after the policy's retries were used.
	ErrRetriesLeft = errors.New("retries left: capture again before accepting")
	// ErrNothingToAccept: there is no capture or failure to accept.
	ErrNothingToAccept = errors.New("nothing to accept")
	// ErrApprovalRequired: the policy needs a supervisor's approval for this.
	ErrApprovalRequired = errors.New("a supervisor must approve this")
	// ErrApprovalRefused: the supervisor's credentials were refused (wrong
	// name or secret, locked account, not a supervisor, or self-approval).
	ErrApprovalRefused = errors.New("supervisor approval refused")
	// ErrNotSupervisor: the account that tried to approve is not a supervisor.
	ErrNotSupervisor = errors.New("the account is not a supervisor")
)
