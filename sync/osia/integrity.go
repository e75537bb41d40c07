package osia

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/capturestation/station/internal/jcs"
	"github.com/capturestation/station/internal/stationkey"
)

// integrityID names the station's integrity block in an Identity.
const integrityID = "station"

// signedMembers are the Identity members the station's integrity block
// covers, when present: everything it captured, not the registry's
// bookkeeping (identityId, status, dates).
var signedMembers = []string{"identityType", "galleries", "biographicData", "biometricData", "documentData", "contextualData"}

// ErrIntegrity is wrapped by every integrity verification failure.
var ErrIntegrity = errors.New("osia: integrity check failed")

// scopedHash returns the lowercase hex SHA-256 of the RFC 8785 form of the
// JSON object made of the members of doc named by scope ("$.name" paths
// separated by spaces).
func scopedHash(doc map[string]json.RawMessage, scope string) (string, error) {
	// The object is assembled from the members' raw JSON as it stands;
	// canonicalisation then validates and normalises it in one pass.
	var sub bytes.Buffer
	sub.WriteByte('{')
	for _, path := range strings.Fields(scope) {
		name, ok := strings.CutPrefix(path, "$.")
		if !ok || name == "" || strings.ContainsAny(name, ".[]*@?$'\"\\") {
			return "", fmt.Errorf("%w: scope path %q is not a top-level member ($.name)", ErrIntegrity, path)
		}
		v, ok := doc[name]
		if !ok {
			continue
		}
		if sub.Len() > 1 {
			sub.WriteByte(',')
		}
		sub.WriteString(strconv.Quote(name))
		sub.WriteByte(':')
		sub.Write(v)
	}
	sub.WriteByte('}')
	canon, err := jcs.Canonicalize(sub.Bytes())
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrIntegrity, err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// scopeOf lists the signed members present in doc.
func scopeOf(doc map[string]json.RawMessage) string {
	var paths []string
	for _, m := range signedMembers {
		if _, ok := doc[m]; ok {
			paths = append(paths, "$."+m)
		}
	}
	return strings.Join(paths, " ")
}

// sign encodes doc with an integrity block signed by key and returns the
// body and the block's hash.
func sign(doc *identityDoc, key *ecdsa.PrivateKey) ([]byte, string, error) {
	doc.Integrity = nil
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, "", fmt.Errorf("osia: encode identity: %w", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, "", fmt.Errorf("osia: encode identity: %w", err)
	}
	scope := scopeOf(members)
	hash, err := scopedHash(members, scope)
	if err != nil {
		return nil, "", err
	}
	jws, err := stationkey.SignJWS(key, []byte(hash))
	if err != nil {
		return nil, "", err
	}
	doc.Integrity = []Integrity{{ID: integrityID, Type: "JWS", Scope: scope, Alg: "SHA256", Hash: hash, Signature: jws}}
	block, err := json.Marshal(doc.Integrity)
	if err != nil {
		return nil, "", fmt.Errorf("osia: encode identity: %w", err)
	}
	// integrity is the last member of identityDoc: append it to the body
	// already encoded rather than encode the images a second time.
	body := make([]byte, 0, len(raw)+len(block)+16)
	body = append(body, raw[:len(raw)-1]...)
	body = append(body, `,"integrity":`...)
	body = append(body, block...)
	return append(body, '}'), hash, nil
}

// storedHash recomputes the station integrity hash over an Identity as a
// registry returns it, to compare with what the station sent.
func storedHash(body []byte) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return "", fmt.Errorf("%w: identity is not a JSON object: %v", ErrIntegrity, err)
	}
	return scopedHash(members, scopeOf(members))
}

// VerifyIntegrity checks the station integrity block of an Identity
// document: the hash over its scope must match the document and the JWS
// must be a valid ES256 signature of that hash by pub.
func VerifyIntegrity(body []byte, pub *ecdsa.PublicKey) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return fmt.Errorf("%w: identity is not a JSON object: %v", ErrIntegrity, err)
	}
	var blocks []Integrity
	if raw, ok := members["integrity"]; ok {
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return fmt.Errorf("%w: integrity: %v", ErrIntegrity, err)
		}
	}
	for _, b := range blocks {
		if b.ID != integrityID {
			continue
		}
		if b.Type != "JWS" || b.Alg != "SHA256" {
			return fmt.Errorf("%w: block type %q alg %q, want JWS SHA256", ErrIntegrity, b.Type, b.Alg)
		}
		if want := scopeOf(members); b.Scope != want {
			return fmt.Errorf("%w: scope %q does not cover the captured data (%q)", ErrIntegrity, b.Scope, want)
		}
		hash, err := scopedHash(members, b.Scope)
		if err != nil {
			return err
		}
		if hash != b.Hash {
			return fmt.Errorf("%w: the document does not match its hash", ErrIntegrity)
		}
		payload, err := stationkey.VerifyJWS(pub, b.Signature)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrIntegrity, err)
		}
		if string(payload) != b.Hash {
			return fmt.Errorf("%w: the signature is over another hash", ErrIntegrity)
		}
		return nil
	}
	return fmt.Errorf("%w: no %q integrity block", ErrIntegrity, integrityID)
}
