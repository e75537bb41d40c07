// Package idv delivers enrollments to an identity-verification session API
// (sessions with settings and metadata, identity consent, document type,
// document front and back images, liveness session, finalization, session
// read), the API of the station's registry kind "idv".
//
// One enrollment is one session. A delivery:
//
//  1. looks the session up by the enrollment's transaction ID (session list
//     filtered on metadata.transaction_id) and resumes it at the step it
//     reached; a session with the same transaction ID but another content
//     digest (metadata.content_sha256) is a conflict;
//  2. creates the session (metadata: transaction, person, identity, station
//     and operator IDs and the content digest; passive liveness; the
//     configured checks as settings; the configured webhook URL);
//  3. adds the identity consent, replaces the SDK metadata (biographic data,
//     document data with MRZ and chip data groups and SOD, face and liveness
//     details, finger positions), sets the document type, uploads the
//     document front and back page images as multipart/form-data with the
//     station's configured latitude and longitude, generates and processes
//     the liveness session with the face image, and finalizes;
//  4. reads the session back for its status, verdict, score and identity.
//
// Every call carries the X-Client-Id header and, when a token endpoint is
// configured, an OAuth 2.0 client-credentials bearer token (renewed once on
// 401). Failures are classified for the sync worker with package delivery.
// The receipt holds the session ID, status and verdict, never personal data.
//
// Caveats: the API document names operations without paths, so the paths
// are this package's Path constants (the simulator in
// internal/registrysim/idvsim serves the same); the document shows error
// answers as {} with status 400, so error messages are read leniently from
// message (string or list) or error members. A verdict of "not verified" is
// a completed delivery: it is the service's judgement, shown in the receipt.
// Fingerprint images have no place in the API and are not sent.
package idv
