package operators

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type memStore struct {
	mu sync.Mutex
	m  map[string]Account
}

func (s *memStore) GetAccount(_ context.Context, name string) (Account, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[name]
	return a, ok, nil
}

func (s *memStore) PutAccount(_ context.Context, a Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[a.Name] = a
	return nil
}

func (s *memStore) ListAccounts(context.Context) ([]Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Account
	for _, a := range s.m {
		out = append(out, a)
	}
	return out, nil
}

func TestAddValidates(t *testing.T) {
	ctx := context.Background()
	a := New(&memStore{m: map[string]Account{}}, Policy{})
	tests := []struct {
		name, user, secret string
		role               Role
		ok                 bool
	}{
		{"pin", "amina", "482913", Operator, true},
		{"password", "bruno", "correct horse", Supervisor, true},
		{"short pin", "chen", "1234", Operator, false},
		{"short password", "dora", "abc", Operator, false},
		{"bad name", "e f", "482913", Operator, false},
		{"bad role", "fatou", "482913", Role("root"), false},
		{"duplicate", "amina", "999999", Operator, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Add(ctx, tt.user, tt.role, tt.secret)
			if (err == nil) != tt.ok {
				t.Fatalf("Add = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if err := a.Add(ctx, "amina", Operator, "999999"); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate: %v", err)
	}
}

func TestAuthenticateAndLockout(t *testing.T) {
	ctx := context.Background()
	st := &memStore{m: map[string]Account{}}
	a := New(st, Policy{MaxFailures: 3, LockFor: time.Minute})
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	if err := a.Add(ctx, "amina", Operator, "482913"); err != nil {
		t.Fatal(err)
	}
	if acc, err := a.Authenticate(ctx, "amina", "482913"); err != nil || acc.Role != Operator {
		t.Fatalf("good login: %v %+v", err, acc)
	}
	if _, err := a.Authenticate(ctx, "nobody", "482913"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown name: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := a.Authenticate(ctx, "amina", "000000"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := a.Authenticate(ctx, "amina", "000000"); !errors.Is(err, ErrLocked) {
		t.Fatalf("third failure: %v, want locked", err)
	}
	if _, err := a.Authenticate(ctx, "amina", "482913"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right secret while locked: %v, want locked", err)
	}
	now = now.Add(61 * time.Second)
	if _, err := a.Authenticate(ctx, "amina", "482913"); err != nil {
		t.Fatalf("after lock expiry: %v", err)
	}
	if st.m["amina"].Failures != 0 {
		t.Errorf("failures not reset: %d", st.m["amina"].Failures)
	}
}

func TestVerifySecretRejectsMalformed(t *testing.T) {
	h, err := HashSecret("482913")
	if err != nil {
		t.Fatal(err)
	}
	if !VerifySecret(h, "482913") || VerifySecret(h, "482914") {
		t.Fatal("verify disagrees with hash")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=65536,t=3,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=3,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if VerifySecret(bad, "482913") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func FuzzVerifySecret(f *testing.F) {
	f.Add(dummyHash, "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "")
	f.Fuzz(func(t *testing.T, phc, secret string) {
		_ = VerifySecret(phc, secret)
	})
}
