// Package passive implements Passive Authentication of ICAO 9303 part 11
// §5.1 and the trust anchors it needs: it parses EF.SOD (part 10 §4.6.2, a
// CMS SignedData per RFC 5652 around an LDSSecurityObject), verifies its
// signature with the document signer's certificate, that certificate
// against CSCA certificates, and the hash of every data group read; and it
// parses and verifies CSCA master lists (part 12 §9).
//
// Signatures: RSA PKCS #1 v1.5, RSASSA-PSS (RFC 4055, MGF1 with the
// message hash), ECDSA with DER or plain (BSI TR-03111) signatures, on NIST
// and brainpool curves and on curves given by explicit domain parameters, as
// many CSCA certificates are. Certificates are parsed by this package,
// because Go's crypto/x509 rejects those keys.
//
// Trust: LoadDir trusts the certificate files of a directory as they are,
// and takes the CSCAs of a master list only when the list's signer chains to
// one of those files, never to a certificate inside the list itself.
//
// Caveats: BER-encoded (indefinite-length) SODs, which a few old documents
// carry, are rejected as malformed; CRLs are not checked; the document
// signer's validity period is reported, not enforced, as ICAO 9303 allows
// documents to outlive their signer's certificate.
package passive
