// Package tlv decodes and encodes BER-TLV data objects as used by smart cards
// and by the ICAO 9303 Logical Data Structure.
//
// It follows ISO/IEC 7816-4 (BER-TLV data objects, which share their tag and
// length rules with ASN.1 BER, ITU-T X.690) restricted to the subset that ICAO
// 9303 parts 10 and 11 use: definite lengths only, tags of up to four bytes and
// lengths of up to four bytes after the long-form marker.
//
// Every decoder treats its input as hostile: a length is checked against the
// bytes actually present before anything is sliced, no decoder allocates in
// proportion to a declared length, and nesting is bounded (MaxDepth). Values
// returned by the decoders alias the input; copy them to keep them beyond the
// input's lifetime.
//
// Caveats: indefinite lengths (0x80) are rejected, as ICAO 9303 and DER forbid
// them. Non-minimal long-form lengths (for example 0x81 0x05) are accepted,
// because deployed chips emit them; Encode always writes the minimal form.
// Padding bytes 0x00/0xFF between objects (allowed by ISO/IEC 7816-4 in some
// files) are not skipped: callers that need that must strip them first.
package tlv
