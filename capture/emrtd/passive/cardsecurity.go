package passive

import (
	"encoding/asn1"
	"fmt"
	"time"
)

// oidSecurityObject is id-SecurityObject (BSI TR-03110), the content type
// of EF.CardSecurity.
var oidSecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}

// CardSecurityResult is the check of EF.CardSecurity (ICAO 9303-11
// §9.2.3): the chip's SecurityInfos, signed by the document signer.
type CardSecurityResult struct {
	// Signature and Chain are checked as for EF.SOD.
	Signature Verdict `json:"signature"`
	Chain     Verdict `json:"chain"`
	Signer    string  `json:"signer,omitempty"`
	CSCA      string  `json:"csca,omitempty"`
	// SecurityInfos is the signed SecurityInfos set (DER), to be parsed
	// for the chip's static Chip Authentication key.
	SecurityInfos []byte   `json:"-"`
	Problems      []string `json:"problems,omitempty"`
}

// Passed reports whether the signature and the chain passed.
func (r *CardSecurityResult) Passed() bool { return r.Signature == Passed && r.Chain == Passed }

// VerifyCardSecurity parses EF.CardSecurity, checks its signature and the
// document signer against store (nil skips the chain check). A malformed
// file is an error; failed checks are in the result.
func VerifyCardSecurity(b []byte, store *TrustStore, now time.Time) (*CardSecurityResult, error) {
	sd, err := ParseSignedData(b)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	if !sd.ContentType.Equal(oidSecurityObject) {
		return nil, fmt.Errorf("%w: EF.CardSecurity content type %v is not id-SecurityObject", ErrMalformed, sd.ContentType)
	}
	if len(sd.Content) == 0 {
		return nil, fmt.Errorf("%w: EF.CardSecurity carries no SecurityInfos", ErrMalformed)
	}
	r := &CardSecurityResult{Signature: Failed, Chain: Skipped, SecurityInfos: sd.Content}
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	signer := sd.Signer()
	if signer == nil {
		problem("EF.CardSecurity carries no document signer certificate matching its signer")
		return r, nil
	}
	r.Signer = signer.Subject
	if err := sd.Verify(signer); err != nil {
		problem("EF.CardSecurity signature: %v", err)
	} else {
		r.Signature = Passed
	}
	var res Result
	r.Chain = chain(signer, store, now, &res, problem)
	r.CSCA = res.CSCA
	return r, nil
}
