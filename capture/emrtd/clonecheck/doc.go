// Package clonecheck proves that an eMRTD chip is not a copy: Active
// Authentication (ICAO 9303 part 11 §6.1) makes the chip sign a fresh
// challenge with the private key whose public half DG15 holds (RSA with
// ISO/IEC 9796-2 digital signature scheme 1, or ECDSA as DG14's
// ActiveAuthenticationInfo says). Passive Authentication (package passive)
// vouches for DG15 and DG14; without it, Active Authentication proves
// nothing.
//
// Chip Authentication (§6.2) agrees ephemeral-static ECDH or DH keys with
// the chip's DG14 key and restarts secure messaging under them (MSE:Set KAT
// for 3DES, MSE:Set AT and GENERAL AUTHENTICATE for AES); a clone without
// the static private key cannot answer the next protected command.
package clonecheck
