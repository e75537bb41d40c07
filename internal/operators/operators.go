package operators

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	// Operator captures enrollments.
	Operator Role = "operator"
	// Supervisor also approves exceptions and low-quality captures.
	Supervisor Role = "supervisor"
	// Technician manages devices, the queue and the station.
	Technician Role = "technician"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Operator, Supervisor, Technician:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: use operator, supervisor or technician", s)
}

// Account is a stored operator account. Hash is an argon2id PHC string; the
// password itself is never kept.
type Account struct {
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Hash        string    `json:"hash"`
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Store keeps accounts. The daemon implements it over the encrypted store.
type Store interface {
	GetAccount(ctx context.Context, name string) (Account, bool, error)
	PutAccount(ctx context.Context, a Account) error
	ListAccounts(ctx context.Context) ([]Account, error)
}

// Errors callers branch on.
var (
	// ErrBadCredentials is returned for an unknown name or a wrong password alike.
	ErrBadCredentials = errors.New("wrong name or password")
	// ErrLocked is returned while an account is locked after repeated failures.
	ErrLocked = errors.New("account locked after repeated failed logins; wait or ask a supervisor")
	// ErrExists is returned when adding an account whose name is taken.
	ErrExists = errors.New("an account with this name exists")
)

// Policy sets the lockout rules.
type Policy struct {
	// MaxFailures is the number of failed logins that locks an account.
	MaxFailures int
	// LockFor is how long a locked account stays locked.
	LockFor time.Duration
}

// DefaultPolicy locks an account for 5 minutes after 5 failures.
var defaultPolicy = Policy{MaxFailures: 5, LockFor: 5 * time.Minute}

// Accounts manages operator accounts.
type Accounts struct {
	store  Store
	policy Policy
	now    func() time.Time
}

// New returns an account manager over store; a zero policy uses the defaults.
func New(store Store, policy Policy) *Accounts {
	if policy.MaxFailures <= 0 {
		policy.MaxFailures = defaultPolicy.MaxFailures
	}
	if policy.LockFor <= 0 {
		policy.LockFor = defaultPolicy.LockFor
	}
	return &Accounts{store: store, policy: policy, now: time.Now}
}

// CheckName reports whether name is a usable account name.
func CheckName(name string) error {
	if len(name) < 2 || len(name) > 64 {
		return fmt.Errorf("account name must be 2–64 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("account name may hold only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// CheckSecret reports whether a password or PIN is acceptable: a PIN of at
// least 6 digits, or a password of at least 10 characters.
func CheckSecret(secret string) error {
	if !utf8.ValidString(secret) || len(secret) > 256 {
		return errors.New("password must be valid text of at most 256 bytes")
	}
	digits := strings.Trim(secret, "0123456789") == ""
	switch {
	case digits && len(secret) >= 6:
		return nil
	case !digits && utf8.RuneCountInString(secret) >= 10:
		return nil
	}
	return errors.New("use a PIN of at least 6 digits or a password of at least 10 characters")
}

// Add creates an account.
func (a *Accounts) Add(ctx context.Context, name string, role Role, secret string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if err := CheckSecret(secret); err != nil {
		return err
	}
	if _, found, err := a.store.GetAccount(ctx, name); err != nil {
		return fmt.Errorf("look up account: %w", err)
	} else if found {
		return fmt.Errorf("%q: %w", name, ErrExists)
	}
	hash, err := HashSecret(secret)
	if err != nil {
		return err
	}
	return a.store.PutAccount(ctx, Account{Name: name, Role: role, Hash: hash, CreatedAt: a.now().UTC()})
}

// List returns every account (hashes included; callers must not expose them).
func (a *Accounts) List(ctx context.Context) ([]Account, error) { return a.store.ListAccounts(ctx) }

// Authenticate checks a name and secret. Failures are counted and lock the
// account after Policy.MaxFailures; a success resets the count.
func (a *Accounts) Authenticate(ctx context.Context, name, secret string) (Account, error) {
	acc, found, err := a.store.GetAccount(ctx, name)
	if err != nil {
		return Account{}, fmt.Errorf("look up account: %w", err)
	}
	if !found {
		// Spend the same time as a real check so names cannot be probed.
		_ = VerifySecret(dummyHash, secret)
		return Account{}, ErrBadCredentials
	}
	now := a.now()
	if now.Before(acc.LockedUntil) {
		return Account{}, ErrLocked
	}
	if !VerifySecret(acc.Hash, secret) {
		acc.Failures++
		if acc.Failures >= a.policy.MaxFailures {
			acc.LockedUntil = now.Add(a.policy.LockFor)
			acc.Failures = 0
		}
		if err := a.store.PutAccount(ctx, acc); err != nil {
			return Account{}, fmt.Errorf("record failed login: %w", err)
		}
		if !acc.LockedUntil.IsZero() && now.Before(acc.LockedUntil) {
			return Account{}, ErrLocked
		}
		return Account{}, ErrBadCredentials
	}
	if acc.Failures != 0 || !acc.LockedUntil.IsZero() {
		acc.Failures, acc.LockedUntil = 0, time.Time{}
		if err := a.store.PutAccount(ctx, acc); err != nil {
			return Account{}, fmt.Errorf("record login: %w", err)
		}
	}
	return acc, nil
}

// argon2id parameters (RFC 9106 second recommended option, lowered memory
// for kiosk hardware: 64 MiB, 3 passes, 1 lane).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// dummyHash is verified against for unknown names.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// HashSecret returns the argon2id PHC string of secret with a fresh salt.
func HashSecret(secret string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifySecret reports whether secret matches an argon2id PHC string. A
// malformed or out-of-bounds hash never matches.
func VerifySecret(phc, secret string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	if m < 8 || m > 256*1024 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
