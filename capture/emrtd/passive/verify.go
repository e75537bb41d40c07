package passive

import (
	"bytes"
	"fmt"
	"sort"
	"time"
)

// Verdict is the outcome of one passive-authentication step.
type Verdict string

// Verdicts.
const (
	Passed  Verdict = "passed"
	Failed  Verdict = "failed"
	Skipped Verdict = "skipped" // could not be checked (for example no trust store)
)

// GroupResult is the hash check of one data group.
type GroupResult struct {
	Group int `json:"group"`
	// Read is whether the data group was given to Verify.
	Read    bool    `json:"read"`
	Verdict Verdict `json:"verdict"`
}

// Result is the outcome of passive authentication (ICAO 9303 part 11 §5.1).
type Result struct {
	// Signature is the check of the SOD's signature with the document
	// signer's key.
	Signature Verdict `json:"signature"`
	// Chain is the check that a CSCA of the trust store issued the
	// document signer certificate, and that it was valid at signing time
	// (now is used, as the SOD carries no signing time one can trust).
	Chain Verdict `json:"chain"`
	// Groups are the data-group hash checks, by group number.
	Groups []GroupResult `json:"groups"`
	// HashAlgorithm names the hash of the data groups.
	HashAlgorithm string `json:"hashAlgorithm"`
	// Signer and CSCA name the certificates involved; SignerKey describes the key.
	Signer    string `json:"signer,omitempty"`
	SignerKey string `json:"signerKey,omitempty"`
	CSCA      string `json:"csca,omitempty"`
	// Problems explain every failed or skipped step.
	Problems []string `json:"problems,omitempty"`
}

// Passed reports whether every step passed and every data group read
// matched its hash.
func (r *Result) Passed() bool {
	if r.Signature != Passed || r.Chain != Passed {
		return false
	}
	for _, g := range r.Groups {
		if g.Read && g.Verdict != Passed {
			return false
		}
	}
	return true
}

// Verify runs passive authentication: it parses EF.SOD, checks its
// signature, the document signer's certificate against store (nil skips the
// chain check), and the hash of every data group read. A malformed SOD is an
// error; failed checks are in the Result.
func Verify(sod []byte, groups map[int][]byte, store *TrustStore, now time.Time) (*Result, error) {
	s, err := ParseSOD(sod)
	if err != nil {
		return nil, err
	}
	r := &Result{HashAlgorithm: s.Hash.String(), Signature: Failed, Chain: Failed}
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }

	signer := s.Signed.Signer()
	switch {
	case signer == nil && len(s.Signed.CertificateErrors) > 0:
		problem("the document signer certificate could not be read: %v", s.Signed.CertificateErrors[0])
		r.Chain = Skipped
	case signer == nil:
		problem("EF.SOD carries no document signer certificate matching its signer")
		r.Chain = Skipped
	default:
		r.Signer, r.SignerKey = signer.Subject, signer.PublicKey.String()
		if err := s.Signed.Verify(signer); err != nil {
			problem("SOD signature: %v", err)
		} else {
			r.Signature = Passed
		}
		r.Chain = chain(signer, store, now, r, problem)
	}

	numbers := make([]int, 0, len(s.Hashes))
	for n := range s.Hashes {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	for _, n := range numbers {
		g := GroupResult{Group: n, Verdict: Skipped}
		if data, ok := groups[n]; ok {
			g.Read = true
			h := s.Hash.New()
			h.Write(data)
			if bytes.Equal(h.Sum(nil), s.Hashes[n]) {
				g.Verdict = Passed
			} else {
				g.Verdict = Failed
				problem("DG%d does not match its hash in EF.SOD", n)
			}
		}
		r.Groups = append(r.Groups, g)
	}
	for n := range groups {
		if _, ok := s.Hashes[n]; !ok {
			r.Groups = append(r.Groups, GroupResult{Group: n, Read: true, Verdict: Failed})
			problem("DG%d was read but EF.SOD has no hash for it", n)
		}
	}
	return r, nil
}

// chain checks the document signer certificate against the trust store.
func chain(signer *Certificate, store *TrustStore, now time.Time, r *Result, problem func(string, ...any)) Verdict {
	if store == nil || store.Len() == 0 {
		problem("no CSCA trust store configured: the document signer is not checked")
		return Skipped
	}
	if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
		// Document signer certificates often expire before the documents
		// they signed; ICAO 9303 accepts them, so this is not a failure.
		problem("document signer certificate validity %s to %s does not cover today (usual for older documents)",
			signer.NotBefore.Format(time.DateOnly), signer.NotAfter.Format(time.DateOnly))
	}
	issuers := store.Issuers(signer)
	if len(issuers) == 0 {
		problem("no CSCA in the trust store issued the document signer (issuer %s)", signer.Issuer)
		return Failed
	}
	var last error
	for _, csca := range issuers {
		if err := signer.CheckSignatureFrom(csca); err != nil {
			last = err
			continue
		}
		r.CSCA = csca.Subject
		if signer.NotBefore.Before(csca.NotBefore) || signer.NotBefore.After(csca.NotAfter) {
			problem("the document signer certificate was issued outside the CSCA certificate's validity")
			return Failed
		}
		return Passed
	}
	problem("document signer certificate: %v", last)
	return Failed
}
