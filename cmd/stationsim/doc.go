// Command stationsim runs the station's simulators on their own, for
// demonstrations, technicians' manual tests and crash tests that need the
// simulator in a separate process.
//
//	stationsim registry osia [flags]   OSIA Population Registry v1.5 simulator
//
// The registry simulator prints "listening on HOST:PORT" on standard output
// once it accepts connections (use --listen 127.0.0.1:0 for a free port),
// logs with log/slog on standard error (operations and statuses, never
// record contents) and exits cleanly on SIGINT or SIGTERM. Run
// "stationsim registry osia -h" for its flags: OAuth2 client, token TTL,
// bbolt data file, fault injection (--fail-rate, --status, --retry-after,
// --latency, --drop-response-rate, --seed) and TLS or mutual TLS
// (--tls-cert, --tls-key, --client-ca). With --status and no --fail-rate,
// every request fails with that status. Faults can be changed while it runs
// with PUT /_sim/faults; see package osiapr for the other /_sim/ endpoints.
//
// Caveat: the /_sim/ endpoints are unauthenticated; keep the listener on a
// loopback address unless the network is trusted.
package main
