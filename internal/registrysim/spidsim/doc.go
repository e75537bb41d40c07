// Package spidsim simulates a SPID Server 4.2.12 for the station's tests
// and for stationsim: enroll transactions answered with a TGUID that stay
// ENQUEUED for a few getEnrollResult reads and then become OK, or
// ENROLL_REJECTED when a biometric sample duplicates another person's;
// getPerson, the transaction reads, verify and getSearchResult, the
// operator endpoints (insert, enroll, get, list, delete) and getStatus.
//
// Requests are validated (Content-Type, body shape, userId, timestamp,
// biometric indexes, base64 content) and errors use SPID's ErrorResponse
// ({"type": …, "errors": [{"type": …, "message": …}]}) with 400, 401, 404,
// 409, 413 and 415. Bearer tokens are issued at TokenPath by the shared
// OAuth 2.0 client-credentials issuer; faults (failure rate and status,
// Retry-After, latency, dropped responses) come from registrysim's
// FaultInjector. Records live in memory.
package spidsim
