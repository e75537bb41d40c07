// Package dissim provides a simulator of the Digital Identity Service API
// 1.52 customer onboarding (selfie, liveness, document pages, chip data,
// inspections, Trust Platform store) and its session management, for
// tests, demonstrations and technicians' local setups. Customers live in
// memory.
//
// Authentication follows the API's single bearer scheme: a request carries
// "Authorization: Bearer" with one of Config.APITokens or with the token
// of a session opened by POST /api/v1/sessions {"timeout": seconds}. A
// session ends when its timeout has passed since it was opened, when it
// is closed with DELETE /api/v1/sessions (header x-inn-session-token), or
// with ExpireSessions. Refused requests are answered 401 without a body,
// as the API declares; GET /api/v1/health and /api/v1/info need no token.
//
// Errors are the API's ErrorResponse {errorCode, errorMessage} with its
// codes: INVALID_ID (a customer ID that is not a UUID; creation with a
// custom ID also requires version 4), INVALID_REQUEST_BODY (strict
// decoding: unknown members, wrong types, missing required members, values
// outside the enums), INVALID_IMAGE, NOT_FOUND, CONFLICT, ALREADY_EXISTS
// (422 on creating an existing customer), INVALID_REQUEST_METHOD (405) and
// UNEXPECTED_ERROR. Processing outcomes the API reports in a 200 answer are
// reported the same way: NO_FACE_DETECTED, NO_CARD_CORNERS_DETECTED,
// INVALID_DATA, LDS_PARSE_ERROR, NOT_ENOUGH_DATA.
//
// Behaviour where the API description is silent (documented choices):
//   - Images must be JPEG or PNG (else 400 INVALID_IMAGE); one whose header
//     does not decode gives INVALID_DATA, and one smaller than MinImageSide
//     has "no face" or "no card corners". Image URLs are refused with
//     DATA_DOWNLOADER_DISABLED.
//   - PUT .../liveness and PUT .../document create or reset the resource
//     (liveness selfies and records, pages and chip data are dropped); a
//     page of a type already present replaces it. Adding to a liveness or
//     document that was not created is 409 CONFLICT; so are inspecting a
//     customer without selfie and a document without pages or chip data,
//     and storing a customer again under another externalId or going back
//     from FINISHED.
//   - Page types are front and back. Without advice the first page is
//     front and the next back.
//   - Chip data is the LDS files read from the chip (EF.COM, EF.DG1…16,
//     EF.SOD), each a complete BER-TLV with its tag, one after another; DG1
//     must hold a readable MRZ. Anything else is LDS_PARSE_ERROR.
//   - The simulator does no OCR and no biometrics: the Customer it returns
//     holds the chip values of DG1 only, inspections are fixed verdicts
//     derived from what is stored (similarity true when the compared image
//     exists, expiry and MRZ validity from DG1, data authentication
//     AUTHENTICATED when EF.SOD was sent), and liveness scores 0.87 once
//     the selfies a type needs are present (NONE for passive; the four
//     corners for eye gaze; SMILE and NEUTRAL for smile; a record for
//     MagnifEye). Liveness records are stored as opaque bytes.
//   - Palms, faces, metadata, challenges, disclosures and cropped images
//     other than pages and chip data are not simulated (404 NOT_FOUND).
//
// Simulator-only endpoints, not authenticated and not subject to faults:
// GET /_sim/stats, POST /_sim/reset and GET/PUT/DELETE /_sim/faults (see
// registrysim.FaultInjector).
package dissim
