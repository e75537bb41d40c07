// Package stationkey handles the station's signing key: a P-256 ECDSA key
// generated on first start, kept sealed in the store, that signs the
// integrity blocks of every identity the station sends. It encodes the key
// (PKCS #8), publishes its public half (JWK with an RFC 7638 thumbprint as key
// ID, and PEM) and makes and checks compact ES256 JSON Web Signatures.
package stationkey
