package passive

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// oidCSCAMasterList is id-icao-cscaMasterList (ICAO 9303 part 12 §9).
var oidCSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// MasterList is a parsed CSCA master list.
type MasterList struct {
	// Certificates are the CSCA certificates of the list.
	Certificates []*Certificate
	// Skipped lists the certificates that could not be parsed, with why.
	Skipped []error
	// Signer is the master list signer's certificate.
	Signer *Certificate
	signed *SignedData
}

type masterListASN1 struct {
	Version  int
	CertList asn1.RawValue `asn1:"set"`
}

// ParseMasterList decodes a CSCA master list: a CMS SignedData whose
// content is a CscaMasterList. It does not verify it (see Verify).
func ParseMasterList(der []byte) (*MasterList, error) {
	sd, err := ParseSignedData(der)
	if err != nil {
		return nil, fmt.Errorf("master list: %w", err)
	}
	if !sd.ContentType.Equal(oidCSCAMasterList) {
		return nil, fmt.Errorf("%w: content type %v is not a CSCA master list", ErrMalformed, sd.ContentType)
	}
	var ml masterListASN1
	if _, err := asn1.Unmarshal(sd.Content, &ml); err != nil {
		return nil, fmt.Errorf("%w: CscaMasterList: %v", ErrMalformed, err)
	}
	out := &MasterList{signed: sd, Signer: sd.Signer()}
	for rest := ml.CertList.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: master list certificate %d: %v", ErrMalformed, len(out.Certificates)+len(out.Skipped)+1, err)
		}
		c, err := ParseCertificate(raw.FullBytes)
		if err != nil {
			out.Skipped = append(out.Skipped, err)
			continue
		}
		out.Certificates = append(out.Certificates, c)
	}
	return out, nil
}

// Verify checks the master list's signature and that its signer's
// certificate was issued by one of anchors (CSCA certificates the
// deployment trusts on their own, not taken from the list).
func (ml *MasterList) Verify(anchors []*Certificate) error {
	if ml.Signer == nil {
		return fmt.Errorf("%w: the master list carries no certificate for its signer", ErrSignature)
	}
	if err := ml.signed.Verify(ml.Signer); err != nil {
		return fmt.Errorf("master list signature: %w", err)
	}
	var errs []error
	for _, a := range anchors {
		if !sameName(ml.Signer.RawIssuer, a.RawSubject) {
			continue
		}
		if err := ml.Signer.CheckSignatureFrom(a); err != nil {
			errs = append(errs, err)
			continue
		}
		return nil
	}
	if len(errs) > 0 {
		return fmt.Errorf("master list signer %s: %w", ml.Signer.Subject, errors.Join(errs...))
	}
	return fmt.Errorf("%w: no trusted CSCA issued the master list signer %s (issuer %s)", ErrSignature, ml.Signer.Subject, ml.Signer.Issuer)
}
