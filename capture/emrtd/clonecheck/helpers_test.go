package clonecheck

import (
	"crypto"
	"crypto/x509"

	"github.com/capturestation/station/capture/emrtd/passive"
)

func passivePub(pub crypto.PublicKey) (*passive.PublicKey, error) {
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return passive.ParsePublicKeyInfo(b)
}
