// Package api defines the JSON documents of stationd's /api/v1 and the
// client stationctl uses to reach them over the daemon's unix control socket.
// The documents carry identifiers, states and counts, never personal or
// biometric data, except the enrollment import body itself.
package api
