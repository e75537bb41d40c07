package vchip

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/big"
	"time"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/emrtd/passive/passivetest"
	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/internal/tlv"
)

// Profile names the access control and algorithms of a virtual document.
type Profile string

// Profiles.
const (
	// ProfileBAC: BAC with 3DES secure messaging, no EF.CardAccess.
	ProfileBAC Profile = "BAC-3DES"
	// ProfilePACEBrainpool: PACE Generic Mapping, ECDH on brainpoolP256r1, AES-128.
	ProfilePACEBrainpool Profile = "PACE-GM-ECDH-AES128-brainpoolP256r1"
	// ProfilePACENIST: PACE Generic Mapping, ECDH on NIST P-384, AES-256.
	ProfilePACENIST Profile = "PACE-GM-ECDH-AES256-P384"
	// ProfilePACECAM: PACE Chip Authentication Mapping, brainpoolP256r1, AES-128.
	ProfilePACECAM Profile = "PACE-CAM-ECDH-AES128-brainpoolP256r1"
	// ProfilePACEIM: PACE Integrated Mapping, brainpoolP256r1, AES-128.
	ProfilePACEIM Profile = "PACE-IM-ECDH-AES128-brainpoolP256r1"
	// ProfilePACEDH: PACE Generic Mapping over the 2048-bit MODP group, 3DES.
	ProfilePACEDH Profile = "PACE-GM-DH-3DES-2048"
)

// Profiles lists every profile, for tests and the simulator's help.
func Profiles() []Profile {
	return []Profile{ProfileBAC, ProfilePACEBrainpool, ProfilePACENIST, ProfilePACECAM, ProfilePACEIM, ProfilePACEDH}
}

// pace returns the profile's PACEInfo, or false for BAC.
func (p Profile) pace() (emrtd.PACEInfo, bool, error) {
	type combo struct {
		a     emrtd.Agreement
		m     emrtd.Mapping
		c     emrtd.Cipher
		param int
	}
	var k combo
	switch p {
	case ProfileBAC:
		return emrtd.PACEInfo{}, false, nil
	case ProfilePACEBrainpool:
		k = combo{emrtd.AgreementECDH, emrtd.MappingGeneric, emrtd.AES128, emrtd.ParamBrainpoolP256r1}
	case ProfilePACENIST:
		k = combo{emrtd.AgreementECDH, emrtd.MappingGeneric, emrtd.AES256, emrtd.ParamNISTP384}
	case ProfilePACECAM:
		k = combo{emrtd.AgreementECDH, emrtd.MappingChipAuthentication, emrtd.AES128, emrtd.ParamBrainpoolP256r1}
	case ProfilePACEIM:
		k = combo{emrtd.AgreementECDH, emrtd.MappingIntegrated, emrtd.AES128, emrtd.ParamBrainpoolP256r1}
	case ProfilePACEDH:
		k = combo{emrtd.AgreementDH, emrtd.MappingGeneric, emrtd.TDES, emrtd.ParamDH2048224}
	default:
		return emrtd.PACEInfo{}, false, fmt.Errorf("vchip: unknown profile %q", p)
	}
	oid, err := emrtd.PACEProtocol(k.a, k.m, k.c)
	if err != nil {
		return emrtd.PACEInfo{}, false, err
	}
	return emrtd.PACEInfo{Protocol: oid, Version: 2, ParameterID: k.param, Agreement: k.a, Mapping: k.m, Cipher: k.c}, true, nil
}

// DocumentSpec describes a virtual travel document.
type DocumentSpec struct {
	// MRZ is the document's MRZ text (lines separated by newlines or '|').
	MRZ string
	// CAN is the card access number (six digits) for PACE-CAN; optional.
	CAN     string
	Profile Profile
	// Face is the portrait, in FaceFormat (JPEG when empty); nil generates
	// a JPEG of about FaceBytes.
	Face       []byte
	FaceFormat lds.ImageFormat
	FaceBytes  int
	// FaceStandard is the encoding of the face in DG2: lds.FaceISO19794
	// (the default when empty) or lds.FaceISO39794, a data block 7F2E
	// holding an ISO/IEC 39794-5 face image data block as ICAO 9303-10
	// (8th edition) allows.
	FaceStandard lds.FaceStandard
	// PKI signs EF.SOD; nil creates an ECDSA P-256 test PKI.
	PKI *passivetest.PKI
	// Rand is the chip's randomness; nil means crypto/rand.
	Rand io.Reader
}

// Document is a virtual travel document: the chip configuration and what
// a verifier needs to check it.
type Document struct {
	Config Config
	// PKI issued the document signer; its CSCA is the trust anchor.
	PKI *passivetest.PKI
	MRZ *mrz.MRZ
	// Groups are the data groups by number, as stored on the chip.
	Groups map[int][]byte
}

// Chip Authentication protocol and key identifiers (ICAO 9303-11 §9.2.5, §9.2.6).
var (
	oidCAECDHAES128  = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
	oidPKECDH        = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	oidCADH3DES      = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 1}
	oidPKDH          = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 1}
	oidDHPublic      = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
	oidBrainpoolP256 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
)

// NewDocument builds a complete LDS1 document for spec: EF.COM, DG1 (the
// MRZ), DG2 (the face), DG7 (a signature image), DG11 and DG12 (further
// holder and document details), DG14 (Chip Authentication on
// brainpoolP256r1), DG15 (an RSA Active Authentication key) and EF.SOD
// signed by the PKI.
func NewDocument(spec DocumentSpec) (*Document, error) {
	if spec.Rand == nil {
		spec.Rand = rand.Reader
	}
	m, err := mrz.Parse(spec.MRZ)
	if err != nil {
		return nil, fmt.Errorf("vchip: document MRZ: %w", err)
	}
	info, usePACE, err := spec.Profile.pace()
	if err != nil {
		return nil, err
	}
	if spec.PKI == nil {
		if spec.PKI, err = passivetest.NewPKI(passivetest.ECDSAP256, m.IssuingState, time.Now().AddDate(-1, 0, 0)); err != nil {
			return nil, err
		}
	}
	face, faceFormat := spec.Face, spec.FaceFormat
	if faceFormat == "" {
		faceFormat = lds.ImageJPEG
	}
	if face == nil {
		if face, err = portrait(spec.FaceBytes); err != nil {
			return nil, err
		}
	}
	dg2, err := buildDG2(spec.FaceStandard, lds.FaceImage{Format: faceFormat, Width: 240, Height: 320, ImageType: 1, SourceType: 2, Image: face})
	if err != nil {
		return nil, err
	}
	// Chip Authentication: ECDH on brainpoolP256r1 with AES, or for the DH
	// profile DH on the 2048-bit MODP group with 3DES.
	caProtocol, caGroupID := oidCAECDHAES128, emrtd.ParamBrainpoolP256r1
	if spec.Profile == ProfilePACEDH {
		caProtocol, caGroupID = oidCADH3DES, emrtd.ParamDH2048224
	}
	caGroup, err := emrtd.GroupByID(caGroupID)
	if err != nil {
		return nil, err
	}
	caKey, err := caGroup.RandomScalar(spec.Rand)
	if err != nil {
		return nil, err
	}
	caPub, err := caGroup.PublicKey(caKey, nil)
	if err != nil {
		return nil, err
	}
	var caSPKI []byte
	pkOID := oidPKECDH
	if g, ok := caGroup.(*emrtd.DHGroup); ok {
		pkOID = oidPKDH
		caSPKI, err = DHPublicKeyInfo(g, caPub)
	} else {
		caSPKI, err = ECPublicKeyInfo(oidBrainpoolP256, caPub)
	}
	if err != nil {
		return nil, err
	}
	aaKey, err := rsa.GenerateKey(spec.Rand, 1024)
	if err != nil {
		return nil, err
	}
	aaSPKI, err := x509.MarshalPKIXPublicKey(&aaKey.PublicKey)
	if err != nil {
		return nil, err
	}
	groups := map[int][]byte{
		1: lds.BuildDG1(spec.MRZ),
		2: dg2,
		14: lds.BuildDG14(
			lds.SecurityInfo{Protocol: caProtocol, ChipAuthentication: &lds.ChipAuthenticationInfo{Version: 1}},
			lds.SecurityInfo{Protocol: pkOID, ChipAuthenticationPublicKey: &lds.ChipAuthenticationPublicKeyInfo{PublicKey: lds.PublicKeyInfo{Raw: caSPKI}}},
		),
		15: lds.BuildDG15(aaSPKI),
		7:  lds.BuildDG7(face),
		11: lds.BuildDG11(lds.DG11{
			FullName:     lds.NewName(m.Surname, m.GivenNames),
			DateOfBirth:  lds.Date{Year: m.DateOfBirth.Year, Month: m.DateOfBirth.Month, Day: m.DateOfBirth.Day},
			PlaceOfBirth: "ZENITH CITY", Profession: "TEST DOCUMENT HOLDER",
		}),
		12: lds.BuildDG12(lds.DG12{
			IssuingAuthority: "VIRTUAL DOCUMENT OFFICE " + m.IssuingState,
			DateOfIssue:      lds.Date{Year: 2025, Month: 3, Day: 1},
		}),
	}
	sod, err := spec.PKI.SOD(crypto.SHA256, groups)
	if err != nil {
		return nil, err
	}
	files := map[uint16][]byte{
		emrtd.FIDCOM: lds.BuildCOM("1.7", []int{1, 2, 7, 11, 12, 14, 15}),
		emrtd.FIDSOD: sod,
	}
	for n, b := range groups {
		files[0x0100+uint16(n)] = b
	}
	cfg := Config{
		// Extended length information: commands and answers of 65535 bytes.
		ATRInfo:                 tlv.EncodeConstructed(0x7F66, tlv.Encode(0x02, []byte{0x00, 0xFF, 0xFF}), tlv.Encode(0x02, []byte{0x00, 0xFF, 0xFF})),
		MRZ:                     emrtd.KeyFromMRZ(m),
		CAN:                     spec.CAN,
		Files:                   files,
		Rand:                    spec.Rand,
		ActiveAuthenticationKey: aaKey,
		ChipAuthentication:      &ChipAuthentication{Protocol: caProtocol, Group: caGroup, Private: caKey},
	}
	if usePACE {
		cfg.PACE = []emrtd.PACEInfo{info}
		if info.Mapping == emrtd.MappingChipAuthentication {
			cfg.ChipAuthenticationKey = caKey
		}
		// EF.CardSecurity: the PACE and Chip Authentication SecurityInfos,
		// signed by the document signer.
		version, _ := asn1.Marshal(info.Version)
		param, _ := asn1.Marshal(info.ParameterID)
		infos := lds.BuildSecurityInfos(
			lds.SecurityInfo{Protocol: info.Protocol, RequiredData: version, OptionalData: param},
			lds.SecurityInfo{Protocol: caProtocol, ChipAuthentication: &lds.ChipAuthenticationInfo{Version: 1}},
			lds.SecurityInfo{Protocol: pkOID, ChipAuthenticationPublicKey: &lds.ChipAuthenticationPublicKeyInfo{PublicKey: lds.PublicKeyInfo{Raw: caSPKI}}},
		)
		if cfg.CardSecurity, err = spec.PKI.CardSecurity(crypto.SHA256, infos); err != nil {
			return nil, err
		}
	}
	return &Document{Config: cfg, PKI: spec.PKI, MRZ: m, Groups: groups}, nil
}

// buildDG2 encodes the portrait face in DG2 with the given standard. A
// 39794-5 face is marked as a travel document portrait (face image kind
// MRTD) in 24-bit colour.
func buildDG2(std lds.FaceStandard, face lds.FaceImage) ([]byte, error) {
	switch std {
	case "", lds.FaceISO19794:
		return lds.BuildDG2([]lds.FaceImage{face}), nil
	case lds.FaceISO39794:
		face.Extensible = &lds.ExtensibleFace{
			FaceImageKind:    new(lds.FaceImageKindMRTD),
			ImageColourSpace: new(2), // 24-bit RGB
		}
		return lds.BuildDG2Extensible([]lds.FaceImage{face}), nil
	}
	return nil, fmt.Errorf("vchip: unknown face standard %q: use %q or %q", std, lds.FaceISO19794, lds.FaceISO39794)
}

// ECPublicKeyInfo encodes a named-curve EC public key (an uncompressed
// point) as a SubjectPublicKeyInfo, as DG14 and DG15 hold them.
func ECPublicKeyInfo(curve asn1.ObjectIdentifier, point []byte) ([]byte, error) {
	params, err := asn1.Marshal(curve)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, Parameters: asn1.RawValue{FullBytes: params}},
		asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
}

// DHPublicKeyInfo encodes an X9.42 DH public key (a big-endian value) as a
// SubjectPublicKeyInfo, as DG14 holds it.
func DHPublicKeyInfo(g *emrtd.DHGroup, pub []byte) ([]byte, error) {
	params, err := asn1.Marshal(struct{ P, G, Q *big.Int }{g.P, g.G, g.Q})
	if err != nil {
		return nil, err
	}
	y, err := asn1.Marshal(new(big.Int).SetBytes(pub))
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: oidDHPublic, Parameters: asn1.RawValue{FullBytes: params}},
		asn1.BitString{Bytes: y, BitLength: 8 * len(y)}})
}

// portrait draws a synthetic face-like JPEG of about size bytes.
func portrait(size int) ([]byte, error) {
	if size <= 0 {
		size = 12 << 10
	}
	img := image.NewRGBA(image.Rect(0, 0, 240, 320))
	for y := 0; y < 320; y++ {
		for x := 0; x < 240; x++ {
			dx, dy := x-120, y-150
			c := color.RGBA{R: uint8(200 - y/4), G: uint8(180 - x/4), B: 160, A: 255}
			if dx*dx*4+dy*dy*2 < 90*90*2 {
				c = color.RGBA{R: 224, G: uint8(172 + (x*y)%40), B: 150, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	// Raise the quality until the image is about the size asked for.
	var buf bytes.Buffer
	for q := 30; q <= 100; q += 10 {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if buf.Len() >= size {
			break
		}
	}
	return buf.Bytes(), nil
}
