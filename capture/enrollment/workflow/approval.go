package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/capturestation/station/internal/operators"
)

// Approval is a supervisor's credentials, typed on the operator's screen.
// The secret is checked and forgotten; only the supervisor's name is kept.
type Approval struct {
	Supervisor string `json:"supervisor"`
	Secret     string `json:"secret"`
}

// Approver checks a supervisor's credentials and returns the supervisor's
// account name. It must count failures towards the account's lockout.
type Approver interface {
	VerifySupervisor(ctx context.Context, name, secret string) (string, error)
}

// AccountsApprover approves with the station's operator accounts: the
// credentials go through Accounts.Authenticate (so failures count and lock
// the account) and the account must have the supervisor role.
type AccountsApprover struct {
	Accounts *operators.Accounts
}

var _ Approver = AccountsApprover{}

// VerifySupervisor implements Approver.
func (a AccountsApprover) VerifySupervisor(ctx context.Context, name, secret string) (string, error) {
	acc, err := a.Accounts.Authenticate(ctx, name, secret)
	if err != nil {
		return "", err
	}
	if acc.Role != operators.Supervisor {
		return "", fmt.Errorf("%w: %s has the %s role", ErrNotSupervisor, acc.Name, acc.Role)
	}
	return acc.Name, nil
}

// approve checks an approval for an exception of kind on draft d accepted by
// actor: it returns the approving supervisor, or "" when the policy needs
// none.
func (s *Service) approve(ctx context.Context, d *Draft, actor string, kind ExceptionKind, a *Approval) (string, error) {
	if !s.policy.Supervisor.Needs(kind) {
		return "", nil
	}
	if a == nil || a.Supervisor == "" {
		return "", fmt.Errorf("%w: the policy asks a supervisor to approve a %s exception; the supervisor enters name and PIN on this screen", ErrApprovalRequired, kind)
	}
	if s.approver == nil {
		return "", fmt.Errorf("%w: no approver configured", ErrApprovalRefused)
	}
	if !s.policy.AllowSelfApproval && (a.Supervisor == actor || a.Supervisor == d.Enrollment.OperatorID) {
		s.audit(ctx, actor, "enrollment.approval.refused", d.Enrollment.TransactionID, map[string]string{"kind": string(kind), "supervisor": a.Supervisor, "why": "self-approval"})
		return "", fmt.Errorf("%w: a supervisor may not approve an enrollment they capture; ask another supervisor", ErrApprovalRefused)
	}
	name, err := s.approver.VerifySupervisor(ctx, a.Supervisor, a.Secret)
	if err != nil {
		why := "credentials"
		switch {
		case errors.Is(err, operators.ErrLocked):
			why = "locked"
		case errors.Is(err, ErrNotSupervisor):
			why = "role"
		}
		s.audit(ctx, actor, "enrollment.approval.refused", d.Enrollment.TransactionID, map[string]string{"kind": string(kind), "supervisor": a.Supervisor, "why": why})
		return "", fmt.Errorf("%w: %w", ErrApprovalRefused, err)
	}
	return name, nil
}
