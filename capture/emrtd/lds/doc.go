// Package lds parses the files of the ICAO 9303 Logical Data Structure
// (LDS1) read from an ePassport or eID chip: EF.COM, EF.DG1 (the MRZ),
// EF.DG2 (the face), EF.DG11 and EF.DG12 (additional personal and document
// details), EF.DG14 (SecurityInfos for Chip and Active Authentication) and
// EF.DG15 (the Active Authentication public key).
//
// It follows ICAO Doc 9303 part 10 (8th edition) for the file structures,
// part 11 §9.2 for the SecurityInfo entries of DG14, ISO/IEC 19794-5:2005
// for the face record inside DG2, ISO/IEC 7816-11 for the biometric header
// template, and RFC 5280 for SubjectPublicKeyInfo. The MRZ of DG1 is read by
// the capture/mrz package; BER-TLV decoding is internal/tlv's.
//
// Every input is treated as hostile: sizes are bounded (MaxFileSize,
// MaxBiometricTemplates, MaxFaceImages, MaxNames, MaxSecurityInfos), every
// length and count is checked against the bytes present before anything is
// sliced or allocated, and the parsers never panic. Each error is an *Error
// naming the file and the element (a path of tags, then the structure
// inside the value) and wrapping ErrMalformed, or ErrUnsupported for an
// encoding that is recognised but not decoded. Error messages never quote
// personal data. Returned byte slices are copies; the input may be reused.
//
// The Build functions write the same structures, for tests and for virtual
// documents; each parser reads back what its builder writes.
//
// Caveats:
//   - DG2: only ISO/IEC 19794-5:2005 (version "010") records are decoded.
//     ISO/IEC 39794-5 data blocks (tag 7F2E) and 19794-5:2011 records give
//     an error wrapping ErrUnsupported. Image bytes are returned as stored;
//     they are not decoded or checked to be JPEG or JPEG 2000.
//   - DG1: a DG1 whose MRZ reads but fails a check digit, date or code
//     check is returned together with an error wrapping both ErrMalformed
//     and mrz.ErrInvalid.
//   - DG15 and DG14 keys: Go's crypto/x509 gives a key only for RSA,
//     Ed25519 and EC on the NIST curves. Brainpool curves, explicit EC
//     domain parameters (which some chips use) and DH keys come back as
//     algorithm, parameters, curve OID and key bytes with a nil Key;
//     explicit parameters are not matched to a named curve.
//   - DG14: the DER ordering of the SET is not checked; only the three
//     SecurityInfo types above are decoded, the rest are kept raw.
//   - DG11 and DG12: dates must be YYYYMMDD digits (or packed BCD), with 00
//     for an unknown month or day; the personalization time must be
//     YYYYMMDDhhmmss. Text must be UTF-8. The tag list is returned but not
//     checked against the elements present. Unknown elements are ignored;
//     a known element given twice is an error.
//   - DG3 to DG10, DG13 and DG16, EF.SOD (and so Passive Authentication)
//     and EF.CardAccess are not parsed here.
package lds
