package vchip

import (
	"strings"
	"testing"

	"github.com/capturestation/station/capture/emrtd/lds"
)

const specimenMRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

func TestNewDocumentFaceStandard(t *testing.T) {
	tests := []struct {
		std        lds.FaceStandard
		want       lds.FaceStandard
		formatType uint16
	}{
		{"", lds.FaceISO19794, lds.FormatTypeFace19794},
		{lds.FaceISO19794, lds.FaceISO19794, lds.FormatTypeFace19794},
		{lds.FaceISO39794, lds.FaceISO39794, lds.FormatTypeFace39794},
	}
	for _, tt := range tests {
		t.Run(string(tt.want)+"/"+string(tt.std), func(t *testing.T) {
			d, err := NewDocument(DocumentSpec{MRZ: specimenMRZ, Profile: ProfileBAC, FaceStandard: tt.std, Face: []byte{0xFF, 0xD8, 0xFF, 0xD9}})
			if err != nil {
				t.Fatal(err)
			}
			dg2, err := lds.ParseDG2(d.Groups[2])
			if err != nil {
				t.Fatal(err)
			}
			faces := dg2.Faces()
			if len(faces) != 1 || faces[0].Standard() != tt.want || string(faces[0].Image) != "\xFF\xD8\xFF\xD9" ||
				faces[0].Format != lds.ImageJPEG || faces[0].Width != 240 || faces[0].Height != 320 || faces[0].ImageType != 1 {
				t.Fatalf("faces %+v", faces)
			}
			if h := dg2.Templates[0].Header; h.FormatOwner != lds.FormatOwnerSC37 || h.FormatType != tt.formatType {
				t.Fatalf("header %+v", h)
			}
			if string(d.Config.Files[0x0102]) != string(d.Groups[2]) {
				t.Fatal("the chip does not hold the DG2 built")
			}
		})
	}
	_, err := NewDocument(DocumentSpec{MRZ: specimenMRZ, Profile: ProfileBAC, FaceStandard: "ISO/IEC 19794-5:2011"})
	if err == nil || !strings.Contains(err.Error(), "unknown face standard") {
		t.Fatalf("unknown standard: %v", err)
	}
}
