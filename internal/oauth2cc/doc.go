// Package oauth2cc obtains OAuth 2.0 access tokens with the client
// credentials grant (RFC 6749 section 4.4), caches them until shortly before
// they expire, and adds them to outgoing requests. A request the resource
// server answers with 401 is sent once more with a fresh token, which covers
// tokens revoked or expired early on the server side.
package oauth2cc
