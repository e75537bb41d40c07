package lds

import (
	"errors"
	"reflect"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

// fuzzCheck accepts a result or an *Error wrapping ErrMalformed or
// ErrUnsupported, and nothing else. Only DG1 may return both.
func fuzzCheck[T any](t *testing.T, v *T, err error, bothAllowed bool) {
	t.Helper()
	if err == nil {
		if v == nil {
			t.Fatal("neither a result nor an error")
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported)) {
		t.Fatalf("error %v (%T) is not an lds error", err, err)
	}
	if v != nil && !bothAllowed {
		t.Fatalf("a result with the error %v", err)
	}
}

func FuzzParseCOM(f *testing.F) {
	f.Add(BuildCOM("1.7", []int{1, 2, 11, 12, 14, 15}))
	f.Add(unhex(f, "60145F0104303130365F36063034303030305C026175"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCOM(b)
		fuzzCheck(t, c, err, false)
	})
}

func FuzzParseDG1(f *testing.F) {
	f.Add(BuildDG1(specimenTD3))
	f.Add(BuildDG1(specimenTD1))
	f.Add(BuildDG1(specimenTD2))
	f.Add(BuildDG1(specimenTD3[:86] + "11"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG1(b)
		fuzzCheck(t, d, err, true)
		if d != nil && d.MRZ == nil {
			t.Fatal("DG1 without MRZ")
		}
	})
}

func FuzzParseDG2(f *testing.F) {
	f.Add(BuildDG2([]FaceImage{testFace(0)}))
	f.Add(BuildDG2([]FaceImage{testFace(2), testFace(0)}))
	f.Add(dg2WithRecord(BuildFaceRecord([]FaceImage{testFace(1), testFace(0)})))
	f.Add(unhex(f, dg2Literal))
	f.Add(BuildFaceRecord([]FaceImage{testFace(1), testFace(0)}))
	f.Add(unhex(f, dg2ExtensibleLiteral))
	f.Add(BuildDG2Extensible([]FaceImage{{Format: ImageJPEG, Image: jpegStub, Extensible: fullExtensible()}, {Image: []byte{1}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG2(b)
		fuzzCheck(t, d, err, false)
		if d != nil && len(d.Faces()) == 0 {
			t.Fatal("DG2 without faces")
		}
		if d != nil {
			for _, face := range d.Faces() {
				if len(face.Image) == 0 {
					t.Fatal("face without image")
				}
			}
		}
		// The same bytes as a bare 19794-5 record.
		faces, err := ParseFaceRecord(b)
		if err == nil && len(faces) == 0 {
			t.Fatal("face record without faces")
		}
		if err != nil {
			fuzzCheck[FaceImage](t, nil, err, false)
		}
	})
}

func FuzzParseFaceImageDataBlock(f *testing.F) {
	f.Add(BuildFaceImageDataBlock([]FaceImage{{Format: ImageJPEG, Width: 200, Height: 256, Image: jpegStub, Extensible: fullExtensible()}}))
	f.Add(BuildFaceImageDataBlock([]FaceImage{{Format: ImageJPEG2000, Image: []byte{1, 2}}, {Format: ImageJPEG, Image: jpegStub}}))
	f.Add(unhex(f, dg2ExtensibleLiteral)[41:])
	// Extensions, fallbacks and skipped blocks.
	f.Add(fidb(ctxCons(0, ctxInt(0, 3), ctxInt(1, 2024), ctxInt(9, 1)), seqOf(ctxInt(0, 1),
		imageRep(jpegStub, ctxCons(0, ctxCons(1, ctxInt(0, 3))), ctxInt(20, 7), tlv.Encode(0x9F20, []byte{1})),
		ctxCons(4, seqOf(ctxInt(0, 1))), ctxCons(8, ctxCons(4, ctxInt(0, 1)), ctxCode(0, 1)),
		ctxCons(9, seqOf(ctxCons(0, ctxCons(1, seqOf()))), seqOf(ctxCons(0, ctxCons(0, ctxCode(0, 4))),
			ctxCons(1, ctxCons(0, ctxCons(2, ctxInt(0, 1), ctxInt(1, 2), ctxInt(2, 3)))))))))
	f.Fuzz(func(t *testing.T, b []byte) {
		faces, err := ParseFaceImageDataBlock(b)
		if err != nil {
			fuzzCheck[FaceImage](t, nil, err, false)
			return
		}
		if len(faces) == 0 || len(faces) > MaxFaceImages {
			t.Fatalf("%d faces", len(faces))
		}
		for _, face := range faces {
			if len(face.Image) == 0 || face.Extensible == nil {
				t.Fatal("face without image or 39794-5 data")
			}
			// What was read builds into a block that reads back the same.
			again, err := ParseFaceImageDataBlock(BuildFaceImageDataBlock([]FaceImage{face}))
			if err != nil {
				t.Fatalf("rebuilt block does not parse: %v", err)
			}
			if !reflect.DeepEqual(again[0], face) {
				t.Fatalf("rebuilt face differs:\n%+v\n%+v", again[0], face)
			}
		}
	})
}

func FuzzParseDG11(f *testing.F) {
	f.Add(BuildDG11(DG11{FullName: NewName("ERIKSSON", "ANNA MARIA"), OtherNames: []Name{NewName("A", "B")},
		DateOfBirth: Date{1974, 8, 12}, PlaceOfBirth: "ZENITH<UTOPIA", ProofOfCitizenship: []byte{1, 2}}))
	f.Add(unhex(f, "6B0C5C005F2B04197400005301AA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG11(b)
		fuzzCheck(t, d, err, false)
	})
}

func FuzzParseDG12(f *testing.F) {
	f.Add(BuildDG12(DG12{IssuingAuthority: "UTOPIA", DateOfIssue: Date{2012, 4, 16},
		OtherPersons: []Name{NewName("ERIKSSON", "KARL")}, FrontImage: []byte{1}}))
	f.Add(unhex(f, "6C115F2604200201315F550720020131140000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG12(b)
		fuzzCheck(t, d, err, false)
	})
}

func FuzzParseDG14(f *testing.F) {
	p256, _ := p256SPKI(f)
	f.Add(unhex(f, dg14Literal))
	f.Add(BuildDG14(
		SecurityInfo{Protocol: append(OIDChipAuthentication(), 2, 2), ChipAuthentication: &ChipAuthenticationInfo{Version: 1, KeyID: 1, HasKeyID: true}},
		SecurityInfo{Protocol: append(OIDChipAuthenticationPublicKey(), 2), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
			PublicKey: PublicKeyInfo{Raw: p256}}},
		SecurityInfo{Protocol: append(OIDChipAuthenticationPublicKey(), 2), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
			PublicKey: PublicKeyInfo{Raw: unhex(f, brainpoolExplicitSPKI)}}},
		aaInfo()))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG14(b)
		fuzzCheck(t, d, err, false)
	})
}

func FuzzParseDG15(f *testing.F) {
	p256, _ := p256SPKI(f)
	for _, s := range []string{rsa1024SPKI, brainpoolNamedSPKI, brainpoolExplicitSPKI} {
		f.Add(BuildDG15(unhex(f, s)))
	}
	f.Add(BuildDG15(p256))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG15(b)
		fuzzCheck(t, d, err, false)
	})
}

func FuzzParseSecurityInfos(f *testing.F) {
	p256, _ := p256SPKI(f)
	f.Add(BuildSecurityInfos(
		SecurityInfo{Protocol: append(OIDChipAuthentication(), 2, 2), ChipAuthentication: &ChipAuthenticationInfo{Version: 1}},
		SecurityInfo{Protocol: append(OIDChipAuthenticationPublicKey(), 2), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
			PublicKey: PublicKeyInfo{Raw: p256}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseSecurityInfos(b)
		fuzzCheck(t, d, err, false)
	})
}
