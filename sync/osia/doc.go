// Package osia delivers enrollments to a registry that implements the OSIA
// Population Registry Management API v1.5 (pr.yaml), and imports OSIA
// Identity documents into enrollments.
//
// A delivery is three idempotent calls, each carrying the enrollment's
// transactionId:
//
//  1. POST /v1/persons/{personId} creates the person (409: it exists, fine);
//  2. POST /v1/persons/{personId}/identities/{identityId} creates the
//     identity with the station's identifiers (409: read it back; if it is
//     what the station sent, an earlier attempt's answer was lost, else the
//     registry holds a different record and the delivery is a conflict);
//  3. PUT .../identities/{identityId}/reference makes it the person's
//     reference identity.
//
// Every Identity carries an integrity block: the SHA-256 of the RFC 8785
// form of the captured data, signed (compact ES256 JWS) with the station key.
// Failures are classified for the sync worker with package delivery.
package osia
