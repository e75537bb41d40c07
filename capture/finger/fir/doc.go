// Package fir reads and writes finger image records as defined by
// ISO/IEC 19794-4, in both editions registries still exchange:
//
//   - 2005 (version "010"): a 32-byte general header with the capture
//     device, acquisition level, resolution, depth and compression common to
//     every image, then one 14-byte view header and the image data per view;
//   - 2011 (version "020"): a 16-byte general header, then per
//     representation its own header (capture time, device technology,
//     vendor and type, quality blocks, optional certification blocks,
//     position, resolutions, depth, compression, impression, size), the
//     image data with its length, and any extended data.
//
// Integers are big-endian. The image data is carried as encoded bytes (raw
// 8-bit grey, WSQ, JPEG, JPEG 2000 or PNG): this package does not decode
// it.
//
// Parsing treats the record as untrusted: every length is checked against
// what is left before anything is allocated, and the counts in the headers
// must agree with what follows. Extended data blocks of the 2011 edition
// are kept as opaque bytes and written back unchanged.
//
// Quality blocks carry a score with the vendor and algorithm that made it.
// The station's own NFIQ 2 style score is not NIST's NFIQ 2, so records the
// station writes must not claim NIST's identifiers; callers give their own
// (zero means "not reported").
package fir
