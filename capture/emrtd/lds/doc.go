// Package lds parses the files of the ICAO 9303 Logical Data Structure
// (LDS1) read from an ePassport or eID chip: EF.COM, EF.DG1 (the MRZ),
// EF.DG2 (the face), EF.DG11 and EF.DG12 (additional personal and document
// details), EF.DG14 (SecurityInfos for Chip and Active Authentication) and
// EF.DG15 (the Active Authentication public key).
//
// It follows ICAO Doc 9303 part 10 (8th edition) for the file structures,
// part 11 §9.2 for the SecurityInfo entries of DG14, ISO/IEC 19794-5:2005
// and ISO/IEC 39794-5:2019 for the face inside DG2, ISO/IEC 7816-11 for the
// biometric header template, and RFC 5280 for SubjectPublicKeyInfo. The MRZ
// of DG1 is read by the capture/mrz package; BER-TLV decoding (including
// the DER of ISO/IEC 39794-5) is internal/tlv's.
//
// DG2 faces: a biometric data block tagged 5F2E holds an ISO/IEC
// 19794-5:2005 face record (header format type 0008); one tagged 7F2E holds
// an A1 object with an ISO/IEC 39794-5:2019 face image data block
// ([APPLICATION 5], format type 002A, the tagged binary encoding of the
// "extensible" face format of ICAO 9303-10 8th edition). Both give
// FaceImage values; a 39794-5 face also carries an ExtensibleFace, and
// FaceImage.Standard says which it is. The data block's tag, not the
// header's format type, selects the decoder.
//
// Every input is treated as hostile: sizes are bounded (MaxFileSize,
// MaxBiometricTemplates, MaxFaceImages, MaxNames, MaxSecurityInfos, and 256
// data objects at any one level), every length and count is checked
// against the bytes present before anything is sliced or allocated, and
// the parsers never panic. Each error is an *Error
// naming the file and the element (a path of tags, then the structure
// inside the value) and wrapping ErrMalformed, or ErrUnsupported for an
// encoding that is recognised but not decoded. Error messages never quote
// personal data. Returned byte slices are copies; the input may be reused.
//
// The Build functions write the same structures, for tests and for virtual
// documents; each parser reads back what its builder writes.
//
// Caveats:
//   - DG2, ISO/IEC 19794-5: only 2005 records (version "010") are decoded;
//     19794-5:2011 records give an error wrapping ErrUnsupported. Image
//     bytes are returned as stored; they are not decoded or checked to be
//     JPEG or JPEG 2000.
//   - DG2, ISO/IEC 39794-5: the version block must say generation 3, year
//     2019 or later (ErrUnsupported otherwise). Decoded: the
//     representation ID, the 2D image and its information block (image
//     data format, face image kind, lossy transformation attempts, camera
//     to subject distance, sensor diagonal, lens focal length, image size,
//     colour space), capture date and time, quality blocks, session ID,
//     derived-from, capture device (model and certifications), identity
//     metadata (gender, eye and hair colour, subject height, pose angles)
//     and landmarks (MPEG-4 and anthropometric, with 2D coordinates).
//     Recognised but skipped: PAD data, the 2D capture device block,
//     post-acquisition processing, face measurements, reference colour
//     mapping, properties and expression, texture and 3D landmark
//     coordinates. Components with unknown tag numbers (the extensions
//     the "..." markers of the ASN.1 allow) are skipped; a code given as an
//     extension block is read from its fallback code; a landmark whose kind
//     is an extension is dropped. A 3D shape or extension image
//     representation gives ErrUnsupported. BER definite lengths and
//     non-minimal integers are accepted, indefinite lengths are not; values
//     outside the ranges of the ASN.1 module are errors. The 19794-5
//     fields of FaceImage are filled where a counterpart exists (format
//     JPEG or JPEG 2000, size, kind MRTD as full frontal, colour space,
//     gender, eye and hair colour, first quality score, MPEG-4 landmarks
//     with 2D coordinates as feature points); the 19794-5 pose angle bytes
//     are left at 0 (the angles are in ExtensibleFace.Pose), and codes
//     without a counterpart leave their field at 0 (unspecified).
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
