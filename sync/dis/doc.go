// Package dis delivers enrollments to a Digital Identity Service (API
// version 1.52) as customer onboardings, and reports the service's
// inspection verdicts in the receipt.
//
// A delivery, each call authenticated with a session token:
//
//  1. POST /api/v1/customers/{uuid} creates the customer under a UUIDv4
//     taken from the enrollment's identity ID (422 ALREADY_EXISTS: an
//     earlier attempt created it; the remaining steps replace what it sent);
//  2. with a face image: PUT .../selfie, PUT .../liveness (reset),
//     POST .../liveness/selfies linking the selfie with assertion NONE, and
//     POST .../liveness/evaluation for PASSIVE_LIVENESS;
//  3. with a document: PUT .../document with classification advice
//     (country, type, MRZ layout), PUT .../document/pages for the front and
//     back images, PUT .../document/chip/data with the raw LDS files;
//  4. POST .../inspect and POST .../document/inspect, whose verdicts become
//     receipt details (estimates about the person are left out);
//  5. GET the customer and compare, by field name only, what the service
//     read from the document with the enrollment's biographic data;
//  6. optionally POST .../store to the Trust Platform with the person ID.
//
// Sessions are opened with the station's API token (POST /api/v1/sessions),
// cached, renewed a tenth of their timeout (at most a minute) before it
// ends, and renewed once on a 401. Close ends the open session.
//
// Caveats: the service holds one document per customer (others are
// counted, not sent), a passport sends its data page only, liveness records
// from capture components and fingerprints have no place in the onboarding,
// and biographic and contextual data are not sent (the service reads them
// from the document). Failures are classified for the sync worker with
// package delivery.
package dis
