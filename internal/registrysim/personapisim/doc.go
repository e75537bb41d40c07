// Package personapisim simulates the person registry API with OAuth2 client
// credentials, idempotent POSTs (Idempotence-Key) and persons made of
// identifiers (with files), names and communications, for the tests of the
// station's personapi connector, demonstrations and local setups.
//
// Endpoints, as the API document describes them:
//
//   - POST /auth/token: form with grant_type client_credentials (client_id and
//     client_secret in the form) gives a client token; grant_type
//     refresh_token renews a pair of person tokens. Answers carry
//     expires_in as a string. Tokens are HS256 JWTs with the claims cid,
//     pid (person tokens), exp, nbf and type (client, person, refresh).
//   - POST /api/person (client token, optional Idempotence-Key): creates a
//     person and answers 200 with person_id and a pair of person tokens.
//   - GET /api/person, DELETE /api/person (person token).
//   - PUT /api/person/identifier, /api/person/name, /api/person/communication
//     (person token) with {person_id, items}: items with an id replace that
//     element, the others are added; the answer is empty.
//   - GET /api/identifier-type (client or person token): the dictionary.
//   - POST /api/client/persons (client token) with {"identifiers": [...]}:
//     the client's persons holding one of the values.
//
// Errors use the API's model {title, messages, incoming_index,
// inner_errors}; a person's validation errors nest per list
// ("identifiers validation failed") and element (incoming_index, a string as
// in the document's example), files nesting inside their identifier.
//
// Simulator-only endpoints, not authenticated: GET /_sim/stats, POST
// /_sim/reset and GET/PUT/DELETE /_sim/faults (registrysim.FaultInjector).
//
// Behaviour where the document is silent (documented choices):
//   - Statuses: validation 400 (Config.ValidationStatus can make it 422),
//     missing, invalid or expired token 401, wrong token type or person_id
//     403, unknown path or deleted person 404, wrong method 405, a value of
//     one of Config.UniqueIdentifierTypes already held by another person 409
//     (nested model with the identifiers' indexes; no type is unique by
//     default), Idempotence-Key reused with another body 409,
//     body over Config.MaxBodyBytes (64 MiB) 413, body not application/json 415.
//   - An Idempotence-Key is scoped to the client and the URL and kept for
//     Config.IdempotencyTTL with the SHA-256 of the raw body; only successful
//     answers are stored, so a rejected request can be corrected and sent
//     again under the same key.
//   - Identifier and communication values are checked against the
//     regex of their type in the dictionary; date_from and date_to are
//     optional YYYY-MM-DD dates; verified is 0, 1 or 2; attributes must be an
//     object; file data must be standard base64 and file names unique within
//     an identifier; the secret, when sent, has 8 to 128 characters; names
//     need a first or last name and a name_type; languages are three-letter
//     codes. Unknown members are refused; id and ts of a new person are
//     ignored.
//   - POST /api/client/persons accepts limit (default 20, at most 100),
//     offset, start and end (Unix seconds of the person's ts).
//   - /api/log and /api/statelog answer 501: no change logs are kept.
//   - The authorization_code grant is refused: there are no person pages.
//
// Records live in memory and are lost on restart, as are the token key and
// the idempotency entries.
package personapisim
