// Package ui serves the station's HTTP interface: /healthz, /readyz and
// /metrics for supervision, the JSON API under /api/v1 used by stationctl
// (over the unix control socket) and by the browser (over TCP, with an
// operator session: HttpOnly SameSite=Strict cookie plus an X-CSRF-Token
// header on every state-changing request), and the embedded web app, which
// works with no network at all.
//
// Roles are ranked operator < supervisor < technician. The control socket is
// trusted as a technician: its file permissions decide who may connect.
package ui
