// Package idvsim provides an in-memory simulator of an identity-verification
// session API (sessions, identity consent, document type, document front and
// back images, liveness session, finalization, session and document reads),
// for the tests of the idv connector, demonstrations and local setups.
//
// A session moves through created → consent → document type → front image
// → back image (not for passports) → liveness session generated and
// processed → finalized (status complete). Every SDK step but consent and
// the session read fails with 400 until consent is added, and once the
// session is complete. Finalization computes the verdict deterministically:
// document-image tests (image manipulation: the image must start like a
// JPEG, PNG or JPEG 2000 image; identity document: at least 256 bytes;
// online duplication: no other session holds the same image; suspicious
// words), OCR cross-checks against the holder data in sdk_metadata, the
// liveness result (a processed image that is an image), the age test (18 or
// older, from sdk_metadata.holder.birth_date) and the OFAC test
// (Config.SanctionList). The finalization settings' *_fail flags force a
// test to fail, as the document's sandbox settings do. verified is true when
// nothing failed and the holder is not on the sanction list.
//
// Authentication: OAuth 2.0 client credentials at TokenPath (see package
// registrysim) and a bearer token on every operation; the SDK operations
// also require the X-Client-Id header, which must name the token's client.
// Sessions belong to the client that created them; another client's
// session answers "not found".
//
// Behaviour where the document is silent (documented choices):
//   - The document gives no paths; the Path constants are used.
//   - Every operation that takes a JSON body is a POST.
//   - Error answers are {statusCode, message, error}; message is a list of
//     problems for request validation, a string otherwise. Validation and
//     state errors answer 400 (the only error status the document lists),
//     authentication 401, a token/X-Client-Id mismatch 403, oversized bodies
//     413, unknown paths 404.
//   - Unknown members are refused ("property x should not exist").
//   - Holder and document data for session and document reads come from
//     sdk_metadata.holder and sdk_metadata.document (the real service reads
//     them from the images).
//   - The image member of the multipart uploads is required; latitude and
//     longitude must parse as coordinates.
//   - Requirements, weights, identity-authentication sessions, identities
//     and webhooks are not simulated, and no webhook is ever called.
//
// Simulator-only endpoints, not authenticated: GET /_sim/stats, POST
// /_sim/reset and GET/PUT/DELETE /_sim/faults (registrysim.FaultInjector).
package idvsim
