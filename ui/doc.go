// Package ui serves the station's HTTP interface: /healthz, /readyz and
// /metrics for supervision, the JSON API under /api/v1 used by stationctl
// (over the unix control socket) and by the browser (over TCP, with an
// operator session: HttpOnly SameSite=Strict cookie plus an X-CSRF-Token
// header on every state-changing request), and the embedded web app, which
// works with no network at all. GET /api/v1/ws is the websocket of package
// ui/ws (station events, workflow commands, preview frames; see
// docs/ui-protocol.md); run Server.Serve beside the HTTP server so stopping
// the station closes the websockets too.
//
// The web app (ui/web) is plain ES modules with no build step; every text it
// shows comes from the catalogues ui/web/i18n/en.json and fr.json, which a
// test keeps in step with each other and with the HTML and JavaScript.
//
// Roles are ranked operator < supervisor < technician. The control socket is
// trusted as a technician: its file permissions decide who may connect.
package ui
