// Package vchip is the chip side of the ICAO 9303 protocols in package
// emrtd: an in-process eMRTD chip that answers SELECT, READ BINARY, GET
// CHALLENGE, MUTUAL AUTHENTICATE (BAC), MSE:Set AT and GENERAL AUTHENTICATE
// (PACE Generic Mapping over ECDH or DH, Chip Authentication Mapping; Chip
// Authentication), INTERNAL AUTHENTICATE (Active Authentication) and
// protects its answers with secure messaging.
//
// It follows ICAO Doc 9303 part 11 from the chip's point of view; the
// card-side steps (BACAnswer, UnwrapCommand, WrapResponse, the PACE
// responder) are separate functions so that the virtual chip simulator
// served to pcscd's vpcd can reuse them.
//
// Caveats: it is a test counterpart, not a hardened card. It keeps one
// application (the eMRTD LDS1 application, AID A0000002471001) and the
// master file's EF.CardAccess; access control is all-or-nothing (every LDS
// file needs BAC or PACE); there is no retry counter and no Terminal
// Authentication, and randomness comes from Config.Rand so tests can replay
// the ICAO worked examples. Chip Authentication is ECDH only.
package vchip
