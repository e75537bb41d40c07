package vchip

import (
	"encoding/asn1"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/tlv"
)

// ChipAuthentication is the chip's Chip Authentication set-up (ICAO
// 9303-11 §6.2): the protocol DG14 announces and the static key pair.
type ChipAuthentication struct {
	// Protocol is an id-CA-ECDH or id-CA-DH OID; its last arc picks the cipher.
	Protocol asn1.ObjectIdentifier
	// Group is the key agreement group: a curve or a DH group.
	Group emrtd.Group
	// Private is the static private scalar.
	Private []byte
}

func (c *Card) caFor(oid asn1.ObjectIdentifier) (emrtd.Cipher, bool) {
	ca := c.cfg.ChipAuthentication
	if ca == nil || c.sm == nil || (oid != nil && !oid.Equal(ca.Protocol)) {
		return 0, false
	}
	switch ca.Protocol[len(ca.Protocol)-1] {
	case 1:
		return emrtd.TDES, true
	case 2:
		return emrtd.AES128, true
	case 3:
		return emrtd.AES192, true
	case 4:
		return emrtd.AES256, true
	}
	return 0, false
}

// setCA is MSE:Set AT for Chip Authentication version 2 (AES).
func (c *Card) setCA(cmd emrtd.Command) emrtd.Response {
	proto, err := tlv.Find(cmd.Data, 0x80)
	if err != nil {
		return status(emrtd.SWWrongData)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(tlv.Encode(0x06, proto.Value), &oid); err != nil {
		return status(emrtd.SWWrongData)
	}
	ciph, ok := c.caFor(oid)
	if !ok {
		return status(emrtd.SWReferenceNotFound)
	}
	c.caCipher = ciph
	return status(emrtd.SWSuccess)
}

// caGeneralAuthenticate takes the terminal's ephemeral key and switches to
// the Chip Authentication keys after answering.
func (c *Card) caGeneralAuthenticate(cmd emrtd.Command) emrtd.Response {
	ciph := c.caCipher
	c.caCipher = 0
	pk, err := tlv.FindPath(cmd.Data, 0x7C, 0x80)
	if err != nil {
		return status(emrtd.SWWrongData)
	}
	if !c.agree(ciph, pk.Value) {
		return status(emrtd.SWWrongData)
	}
	return emrtd.Response{Data: tlv.Encode(0x7C, nil), SW: emrtd.SWSuccess}
}

// setKAT is MSE:Set KAT, Chip Authentication version 1 (3DES).
func (c *Card) setKAT(cmd emrtd.Command) emrtd.Response {
	ciph, ok := c.caFor(nil)
	if !ok || ciph != emrtd.TDES {
		return status(emrtd.SWReferenceNotFound)
	}
	pk, err := tlv.Find(cmd.Data, 0x91)
	if err != nil || !c.agree(ciph, pk.Value) {
		return status(emrtd.SWWrongData)
	}
	return status(emrtd.SWSuccess)
}

// agree derives the new session keys from the terminal's ephemeral key.
func (c *Card) agree(ciph emrtd.Cipher, peer []byte) bool {
	ca := c.cfg.ChipAuthentication
	shared, err := ca.Group.Agree(ca.Private, peer)
	if err != nil {
		return false
	}
	ksEnc, ksMAC := emrtd.PACESessionKeys(ca.Group.SharedSecret(shared), ciph)
	sm, err := emrtd.NewSecureMessaging(ciph, ksEnc, ksMAC, emrtd.ZeroSSC(ciph))
	if err != nil {
		return false
	}
	c.nextSM = sm
	return true
}
