// Package pcsc drives contact and contactless smart-card readers through
// PC/SC (pcsc-lite's pcscd, via github.com/ebfe/scard): it lists readers,
// picks one by name, connects to the card, sends APDUs with the T=0 rules
// of ISO/IEC 7816-3/-4 (61xx GET RESPONSE, 6Cxx re-send with the right Le)
// and counts them with their time, and watches readers and cards come and
// go (SCardGetStatusChange with the PnP notification reader).
//
// A Card is an emrtd.Transport, so the ICAO 9303 reader runs on it
// unchanged. Errors say what to do: pcscd not running, no reader, the card
// removed or reset mid-read (secure messaging must then start again).
//
// Tests run against a private pcscd with the vpcd virtual reader (packages
// pcsctest and vpcd).
package pcsc
