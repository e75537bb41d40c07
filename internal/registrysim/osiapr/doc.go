// Package osiapr provides a simulator of the OSIA Population Registry
// Management interface, version 1.5 (Secure Identity Alliance, pr.yaml as
// embedded by internal/osiaspec), for tests, demonstrations and technicians'
// local setups.
//
// Every OSIA request is routed and validated against pr.yaml with
// kin-openapi's openapi3filter (parameters, bodies, formats and the bearer
// scopes of each operation's security requirement); a request that does not
// conform is answered 400 with the OSIA Error body {code, message} naming
// the problem. Tokens come from the OAuth 2.0 client-credentials endpoint
// at /oauth/token (see package registrysim). Identities are kept as JSON
// documents; the simulator sets identityId, createdDate and updatedDate.
// Records live in memory, or in a bbolt file that survives restarts. Every
// change is committed to the file before it is answered.
//
// Simulator-only endpoints, not part of OSIA and not authenticated:
// GET /_sim/stats, GET /_sim/dump, POST /_sim/reset and GET/PUT/DELETE
// /_sim/faults (see registrysim.FaultInjector).
//
// Behaviour where pr.yaml is silent or ambiguous (documented choices):
//   - Identity IDs are unique per person (merge and move report 409 on a
//     clash). Creating an identity for an unknown person answers 404,
//     although pr.yaml lists no 404 for the create operations.
//   - A person created without a body is ACTIVE and ALIVE.
//   - Query expressions are ANDed. A plain attributeName is looked up in
//     biographicData, then contextualData, then the identity's top level; a
//     dotted name is a path from the identity root. Dates compare as
//     instants, numbers numerically, other strings lexically; a missing
//     attribute never matches. Expression.value is a oneOf of integer and
//     number in pr.yaml, so a whole-number value matches both and is
//     rejected by validation as pr.yaml is written; send it as a string or
//     with a fraction.
//   - The gallery ID "ALL" reads every identity that belongs to at least
//     one gallery. An unknown gallery answers 404. CSV answers (Accept:
//     text/csv) have the header line "PersonId,identityId".
//   - A PATCH body is a JSON merge patch (RFC 7396); its non-null members
//     are validated against Identity without the required list, and the
//     merged identity against the full Identity schema.
//   - Results are ordered by person ID, then identity creation order.
//   - 403, 404 and 409 answers carry an Error body too, though pr.yaml
//     declares none for them.
package osiapr
