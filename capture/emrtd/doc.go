// Package emrtd is the protocol core for reading ICAO 9303 electronic machine
// readable travel documents (ePassports, eID cards): command and response
// APDUs, access control and secure messaging.
//
// It follows ICAO Doc 9303 part 11 (8th edition): Basic Access Control
// (§4.3); PACE (§4.4) with Generic and Integrated Mapping over ECDH and DH
// and with Chip Authentication Mapping over ECDH; the key derivation
// function (§9.7.1); secure messaging with 3DES and AES (§9.8); and the
// PACEInfo entries of EF.CardAccess (§9.2). The tests reproduce the worked
// examples of Appendices D, G.1, G.2, H.1, H.2 and I byte for byte. APDUs
// follow ISO/IEC 7816-4; the retail MAC is ISO/IEC 9797-1 MAC algorithm 3
// with padding method 2; AES-CMAC is NIST SP 800-38B.
//
// The chip sits behind Transport, which a driver implements (PC/SC, a
// virtual chip). BAC and PACE return a *Session, itself a Transport that
// protects every command and verifies every response, so the code reading
// the Logical Data Structure works the same with or without secure
// messaging. Send turns status words into *StatusError values that match the
// sentinel errors (ErrFileNotFound, ErrSecurityStatus, ...).
//
// Caveats:
//   - The elliptic curve arithmetic (Curve) uses math/big, which is not
//     constant time. Its scalars are the terminal's single-use ephemeral
//     keys, but a local timing observer could still learn about them.
//   - PACE runs on standardized domain parameters (ICAO 9303-11 §9.5.1,
//     IDs 0-2 and 8-18: the RFC 5114 MODP groups, NIST P-192 to P-521,
//     brainpoolP192r1 to P512r1). Explicit domain parameters
//     (PACEDomainParameterInfo) are parsed but not used; ChoosePACE skips
//     PACEInfos that need them. Integrated Mapping needs p ≡ 3 mod 4,
//     which rules out P-224.
//   - Chip Authentication Mapping leaves CAMData to verify against the
//     chip's static key from EF.CardSecurity; reading that file and checking
//     its signature (Passive Authentication) happen elsewhere.
//   - This package selects and reads files (ReadFile); parsing the LDS
//     (EF.COM, data groups, EF.SOD) and Passive, Active and Chip
//     Authentication are built on top of it elsewhere. PACE does not send a
//     CHAT (7F4C) to request CARs for Terminal Authentication; DO'87'/'88'
//     in the chip's last answer are tolerated and ignored.
//
// The chip side lives in package vchip, the virtual chip that tests and the
// simulator use.
package emrtd
