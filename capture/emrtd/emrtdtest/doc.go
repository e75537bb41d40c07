// Package emrtdtest provides test transports for code built on package
// emrtd: Playback replays recorded APDU exchanges and fails the test on any
// deviation or on exchanges left unused, and Recorder captures the exchanges
// of a live transport (the test chip, a PC/SC reader in a diagnostic run) in
// the same form, so a session can be recorded once and replayed in tests.
//
// Exchanges are written as hexadecimal strings, as ICAO 9303 and ISO/IEC
// 7816-4 print APDUs; spaces are ignored. It is meant for tests only and
// follows no standard beyond those encodings.
package emrtdtest
