// Package mrz reads the machine readable zone of travel documents as ICAO
// 9303 defines it: TD1 (part 5), TD2 (part 6), TD3 passports (part 4) and
// MRV-A/MRV-B visas (part 7), with the check digits and the code list of
// part 3.
//
// Parse takes MRZ text as typed by an operator or sent by a keyboard-wedge
// scanner; ParseLines takes OCR output and can repair the letter/digit
// confusions OCR makes (0/O, 1/I, 2/Z, 5/S, 8/B, 6/G): by field type where a
// field allows only letters or only digits, and by the check digits where it
// allows both, only when exactly one reading is consistent. Repairs are
// listed in the result.
//
// Errors name the field, its line and column, and what is wrong. Two-digit
// years take the century that puts a date of birth in the past and an expiry
// date within fifty years from now.
//
// Caveats: reading the MRZ from an image (locating, OCR) is not part of this
// package yet. Name fields that fill their whole width are reported as
// possibly truncated (NameTruncated).
package mrz
