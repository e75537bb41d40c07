// Package spid delivers enrollments to a SPID Server 4.2.12 (the
// asynchronous enroll/verify transaction API with TGUIDs) and enrolls and
// verifies the station's operators there.
//
// A delivery:
//
//  1. GET /gbs-spid-server/transaction/people/{userId} (GetPersonTransactionData)
//     looks for an enroll transaction an earlier attempt created: the userId
//     is the enrollment's personId, and a transaction with the same
//     operatorId and timestamp is this enrollment's, so its TGUID is polled
//     again instead of enrolling twice; another capture's transaction for the
//     person is a conflict;
//  2. POST /gbs-spid-server/people (enroll) with a UserTransaction: face and
//     fingers as biometrics (ISO finger positions, face index 20), missing
//     fingers, the station's identifiers as keys, biographic, document,
//     contextual and liveness data as biographics, and document pages and
//     chip data as auxiliaries; SPID answers the TGUID;
//  3. GET /gbs-spid-server/people/transactions/{TGUID} (getEnrollResult) is
//     polled with backoff, for at most Config.MaxPollWait and never past the
//     context: OK completes the delivery (the receipt carries the TGUID and
//     the person GUID read with getPerson), ENROLL_REJECTED (anomalies such
//     as a biometric duplicate) is a conflict shown to the operator, an
//     error status is a permanent failure, and a transaction still pending
//     is a retryable failure whose next attempt resumes at step 1.
//
// Ping calls getStatus. EnrollOperator, OperatorStatus and VerifyOperator
// cover the operator endpoints (operatorInsert, enrollOperator, getOperator,
// verify and getSearchResult).
//
// Bearer tokens come from an OAuth 2.0 client-credentials endpoint
// (package oauth2cc: cached, renewed before expiry, one retry on 401).
// Failures are classified for the sync worker with package delivery; no
// personal data or image reaches an error, a receipt or a log.
//
// Caveats: the SPID document defines neither the biometric index table nor
// keys and biographics in UserTransaction beyond the deprecated enroll
// schema; the index scheme and field names here are the station's and are
// documented in docs/connectors/spid.md.
package spid
