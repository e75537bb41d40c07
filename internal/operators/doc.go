// Package operators manages the station's operator accounts: roles
// (operator, supervisor, technician), PIN or password secrets stored as
// argon2id hashes (RFC 9106), and lockout after repeated failed logins, so
// that every action at the station is attributable to a person.
//
// Accounts are kept through the Store interface, which the daemon implements
// over the encrypted station store.
package operators
