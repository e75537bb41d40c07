package passive

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// MaxCMSBytes bounds a CMS structure accepted by ParseSignedData.
const MaxCMSBytes = 16 << 20

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
)

// SignedData is a CMS SignedData (RFC 5652) with one signer, as EF.SOD and
// CSCA master lists are.
type SignedData struct {
	// ContentType and Content are the encapsulated content.
	ContentType asn1.ObjectIdentifier
	Content     []byte
	// Certificates are those carried in the structure; certificates that
	// fail to parse are listed in CertificateErrors.
	Certificates      []*Certificate
	CertificateErrors []error
	signer            signerInfo
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedDataASN1 struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContent     encapContentASN1
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type encapContentASN1 struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfo struct {
	Version         int
	SID             asn1.RawValue
	DigestAlgorithm pkix.AlgorithmIdentifier
	SignedAttrs     asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlg    pkix.AlgorithmIdentifier
	Signature       []byte
	UnsignedAttrs   asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// ParseSignedData decodes a DER ContentInfo holding a SignedData.
func ParseSignedData(der []byte) (*SignedData, error) {
	if len(der) > MaxCMSBytes {
		return nil, fmt.Errorf("%w: CMS structure larger than %d bytes", ErrMalformed, MaxCMSBytes)
	}
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: CMS ContentInfo: %v", ErrMalformed, err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: CMS content type %v is not SignedData", ErrMalformed, ci.ContentType)
	}
	var sd signedDataASN1
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrMalformed, err)
	}
	out := &SignedData{ContentType: sd.EncapContent.ContentType}
	if len(sd.EncapContent.Content.Bytes) > 0 {
		// eContent is an OCTET STRING, possibly constructed (BER); take the DER form.
		var oct []byte
		if _, err := asn1.Unmarshal(sd.EncapContent.Content.Bytes, &oct); err != nil {
			return nil, fmt.Errorf("%w: encapsulated content: %v", ErrMalformed, err)
		}
		out.Content = oct
	}
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: SignedData certificates: %v", ErrMalformed, err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // other certificate formats (attribute certificates)
		}
		c, err := ParseCertificate(raw.FullBytes)
		if err != nil {
			out.CertificateErrors = append(out.CertificateErrors, err)
			continue
		}
		out.Certificates = append(out.Certificates, c)
	}
	var signers []signerInfo
	for rest := sd.SignerInfos.Bytes; len(rest) > 0; {
		var si signerInfo
		var err error
		if rest, err = asn1.Unmarshal(rest, &si); err != nil {
			return nil, fmt.Errorf("%w: SignerInfo: %v", ErrMalformed, err)
		}
		signers = append(signers, si)
	}
	if len(signers) != 1 {
		return nil, fmt.Errorf("%w: %d signers; exactly one is expected", ErrMalformed, len(signers))
	}
	out.signer = signers[0]
	return out, nil
}

// Signer returns the certificate among sd.Certificates that the signer
// identifier names, or nil.
func (sd *SignedData) Signer() *Certificate {
	sid := sd.signer.SID
	if sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 {
		for _, c := range sd.Certificates {
			if len(c.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyID, sid.Bytes) {
				return c
			}
		}
		return nil
	}
	var ias issuerAndSerial
	if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil || ias.Serial == nil {
		return nil
	}
	for _, c := range sd.Certificates {
		if c.SerialNumber != nil && c.SerialNumber.Cmp(ias.Serial) == 0 && sameName(c.RawIssuer, ias.Issuer.FullBytes) {
			return c
		}
	}
	return nil
}

// Verify checks the signer's signature with signer's key: over the signed
// attributes, whose message digest must match the content, or over the
// content itself when there are none.
func (sd *SignedData) Verify(signer *Certificate) error {
	si := sd.signer
	if len(si.SignedAttrs.Bytes) == 0 {
		return verifySignature(signer.PublicKey, si.SignatureAlg, &si.DigestAlgorithm, sd.Content, si.Signature)
	}
	h, ok := hashByOID(si.DigestAlgorithm.Algorithm)
	if !ok {
		return fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, si.DigestAlgorithm.Algorithm)
	}
	var digest []byte
	var ctype asn1.ObjectIdentifier
	for rest := si.SignedAttrs.Bytes; len(rest) > 0; {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return fmt.Errorf("%w: signed attribute: %v", ErrMalformed, err)
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			if _, err := asn1.Unmarshal(a.Values.Bytes, &digest); err != nil {
				return fmt.Errorf("%w: messageDigest attribute: %v", ErrMalformed, err)
			}
		case a.Type.Equal(oidContentType):
			if _, err := asn1.Unmarshal(a.Values.Bytes, &ctype); err != nil {
				return fmt.Errorf("%w: contentType attribute: %v", ErrMalformed, err)
			}
		}
	}
	if ctype != nil && !ctype.Equal(sd.ContentType) {
		return fmt.Errorf("%w: signed contentType %v differs from the content's %v", ErrSignature, ctype, sd.ContentType)
	}
	hh := h.New()
	hh.Write(sd.Content)
	if digest == nil || !bytes.Equal(digest, hh.Sum(nil)) {
		return fmt.Errorf("%w: the signed message digest does not match the content", ErrSignature)
	}
	// The signature covers the attributes DER-encoded as a SET OF.
	signed := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	return verifySignature(signer.PublicKey, si.SignatureAlg, &si.DigestAlgorithm, signed, si.Signature)
}
