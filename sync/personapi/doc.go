// Package personapi delivers enrollments to a person registry that speaks
// the "person registry with OAuth2 client credentials" API: a client token
// from POST /auth/token, persons created with POST /api/person from
// identifiers (with files), names and communications, idempotent POSTs
// through the Idempotence-Key header, and the nested validation error model
// (title, inner_errors, incoming_index, messages).
//
// A delivery is at most two calls with the client token:
//
//  1. POST /api/client/persons {"identifiers":[transactionId]} looks for a
//     person already holding the enrollment reference (an earlier attempt
//     whose answer was lost); if found, the receipt says alreadyPresent;
//  2. POST /api/person with Idempotence-Key: transactionId creates the
//     person; a repeated request with the same key and body is answered
//     like the first without creating anything.
//
// Mapping: every numbered document becomes an identifier (type from
// registry.personapi.document_types, value the document number, date_to
// the expiry) whose files are the page images, chip data groups and SOD;
// the biographic extra members "email" and "phone" become identifiers and
// communications; first, last and middle name a name; and an enrollment
// identifier (type registry.personapi.enrollment_identifier_type, value the
// transaction ID) carries the portrait and finger images as files and, in
// its attributes, what the Person model has no member for: station and
// operator IDs, dates, location, date of birth, gender, nationality, place
// of birth, liveness, missing fingers, unnumbered documents. Each
// identifier's attributes.files describes its files (format, size,
// resolution, capture time, device, quality), as the file model has no
// member for that.
//
// The API's token request differs from what package oauth2cc sends (the
// client ID and secret travel in the form, expires_in is a string), so the
// connector has its own small client-credentials source with the same
// caching and renewal rules.
//
// Caveats: verification statuses are always sent as 0 (in progress): the
// registry decides. The person tokens that creation returns are dropped;
// the station never reads the person back. The API document gives no
// status codes beyond "4xx" for errors, so failures are classified by
// status class, with 409 read as a conflict.
package personapi
