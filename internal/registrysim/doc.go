// Package registrysim provides the machinery shared by the station's registry
// simulators: fault injection (error rate, latency, dropped responses, a
// configured status with Retry-After), an OAuth 2.0 client-credentials token
// endpoint (RFC 6749 section 4.4) with bearer-token checks (RFC 6750), request
// statistics, optional mutual TLS and a server runner with graceful shutdown.
//
// The API-specific simulators live in subpackages (osiapr for the OSIA
// Population Registry v1.5) and compose these pieces into one http.Handler.
//
// Caveats: this is test and demonstration machinery. Tokens are HMAC-signed
// with a key generated at start, so they do not survive a restart (which is
// useful: clients must handle 401 and fetch a new token). The simulator
// control endpoints under /_sim/ are not authenticated; bind simulators to
// loopback addresses.
package registrysim
