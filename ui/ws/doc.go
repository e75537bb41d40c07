// Package ws is the station's websocket endpoint for the operator's browser
// (GET /api/v1/ws): a versioned JSON message protocol for station events and
// operator commands, and binary JPEG preview frames. The protocol is
// documented in docs/ui-protocol.md; this package is its reference.
//
// A connection belongs to an authenticated operator session (the same
// HttpOnly cookie as the HTTP API) and is refused with 403 when the Origin
// header names another host than the one the request was sent to, so a page
// of another site cannot open it with the operator's cookie. Every command is
// checked against the session again, so logging out or an expired session
// ends the connection's authority at once.
//
// Each connection has exactly two goroutines it owns besides the commands in
// flight: the reader (the HTTP handler's goroutine) and one writer, the only
// goroutine that writes to the socket. Events come from the bus with their
// bus IDs; a browser that reconnects says the last ID it saw and receives
// what it missed, in order, before live events, or is told to reload its
// state when the bus no longer remembers that far back.
//
// Preview frames use backpressure by replacement: each connection holds at
// most one pending frame and a newer frame replaces it, so a slow browser
// receives fewer frames and the producer never waits for a socket.
//
// Caveats: messages carry identifiers, states and measures; what a Commands
// implementation puts in its replies is its own responsibility. Nothing in
// this package logs message contents, cookies or tokens.
package ws
