package reader_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/reader"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

const specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

func document(t testing.TB, p vchip.Profile) *vchip.Document {
	t.Helper()
	d, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, CAN: "123456", Profile: p, FaceBytes: 20 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func trust(t testing.TB, d *vchip.Document) *passive.TrustStore {
	t.Helper()
	c, err := passive.ParseCertificate(d.PKI.CSCA.Raw)
	if err != nil {
		t.Fatal(err)
	}
	s := &passive.TrustStore{}
	s.Add(c)
	return s
}

func chip(t testing.TB, cfg vchip.Config) *vchip.Card {
	t.Helper()
	c, err := vchip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadEveryProfile(t *testing.T) {
	want := map[vchip.Profile]string{
		vchip.ProfileBAC:           "BAC",
		vchip.ProfilePACEBrainpool: "PACE ECDH GM AES-128 (MRZ)",
		vchip.ProfilePACENIST:      "PACE ECDH GM AES-256 (MRZ)",
		vchip.ProfilePACECAM:       "PACE ECDH CAM AES-128 (MRZ)",
		vchip.ProfilePACEIM:        "PACE ECDH IM AES-128 (MRZ)",
		vchip.ProfilePACEDH:        "PACE DH GM 3DES (MRZ)",
	}
	for _, p := range vchip.Profiles() {
		t.Run(string(p), func(t *testing.T) {
			d := document(t, p)
			var steps []string
			r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ},
				reader.Options{Trust: trust(t, d), Progress: func(s string) { steps = append(steps, s) }})
			if err != nil {
				t.Fatal(err)
			}
			if r.Access != want[p] {
				t.Errorf("access %q, want %q", r.Access, want[p])
			}
			if r.DG1 == nil || r.DG1.MRZ.DocumentNumber != "L898902C3" || r.DG1.MRZ.Surname != "ERIKSSON" {
				t.Fatalf("DG1 %+v", r.DG1)
			}
			if len(r.Faces) != 1 || len(r.Faces[0].Image) < 10<<10 || !bytes.HasPrefix(r.Faces[0].Image, []byte{0xFF, 0xD8}) ||
				r.Portrait == nil || r.Portrait.Width != 240 || r.Portrait.Height != 320 {
				t.Fatalf("faces %d", len(r.Faces))
			}
			if r.DG11 == nil || r.DG11.FullName.Primary != "ERIKSSON" || r.DG12 == nil || len(r.Signatures) != 1 {
				t.Fatalf("DG11 %+v DG12 %+v signatures %d problems %v", r.DG11, r.DG12, len(r.Signatures), r.Problems)
			}
			if !r.Passive.Passed() || r.Chip.Verdict != reader.Passed || r.Active.Verdict != reader.Passed || !r.Genuine() {
				t.Fatalf("passive %+v chip %+v active %+v problems %v", r.Passive, r.Chip, r.Active, r.Problems)
			}
			if p == vchip.ProfilePACECAM {
				if r.Chip.Detail != "PACE Chip Authentication Mapping (static key from EF.CardSecurity)" {
					t.Errorf("chip check %q, want the PACE-CAM check against EF.CardSecurity", r.Chip.Detail)
				}
				if r.CardSecurity == nil || !r.CardSecurity.Passed() || r.CardSecurity.CSCA == "" {
					t.Errorf("EF.CardSecurity check %+v", r.CardSecurity)
				}
			} else if r.CardSecurity != nil {
				t.Errorf("EF.CardSecurity checked without CAM: %+v", r.CardSecurity)
			}
			if r.APDUs < 10 || len(steps) < 8 {
				t.Errorf("%d APDUs, steps %v", r.APDUs, steps)
			}
		})
	}
}

func TestReadWithCAN(t *testing.T) {
	d := document(t, vchip.ProfilePACEBrainpool)
	r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{CAN: "123456"}, reader.Options{Trust: trust(t, d)})
	if err != nil || !strings.HasSuffix(r.Access, "(CAN)") || !r.Genuine() {
		t.Fatalf("access %q genuine %v: %v", r.Access, r.Genuine(), err)
	}
	if _, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{CAN: "654321"}, reader.Options{}); !errors.Is(err, reader.ErrAccess) {
		t.Fatalf("wrong CAN: %v", err)
	}
}

func TestReadDetectsForgeriesAndClones(t *testing.T) {
	wrongMRZ := emrtd.MRZKey{DocumentNumber: "L898902C3", DateOfBirth: "740812", DateOfExpiry: "120416"}
	tests := []struct {
		name    string
		profile vchip.Profile
		edit    func(d *vchip.Document)
		access  func(d *vchip.Document) reader.Access
		check   func(t *testing.T, r *reader.Result, err error)
	}{
		{"wrong MRZ on a BAC chip", vchip.ProfileBAC, nil,
			func(*vchip.Document) reader.Access { return reader.Access{MRZ: &wrongMRZ} },
			func(t *testing.T, _ *reader.Result, err error) {
				if !errors.Is(err, reader.ErrAccess) || !strings.Contains(err.Error(), "check document number") {
					t.Fatalf("err = %v", err)
				}
			}},
		{"changed DG1", vchip.ProfilePACEBrainpool, func(d *vchip.Document) {
			f := d.Config.Files[0x0101]
			f[len(f)-3] = 'X'
		}, nil, func(t *testing.T, r *reader.Result, err error) {
			if err != nil || r.Passive.Passed() || r.Genuine() || !strings.Contains(strings.Join(r.Passive.Problems, " "), "DG1 does not match") {
				t.Fatalf("passive %+v, err %v", r.Passive, err)
			}
		}},
		{"cloned chip without the CA key", vchip.ProfileBAC, func(d *vchip.Document) {
			other, _ := d.Config.ChipAuthentication.Group.RandomScalar(rand.Reader)
			d.Config.ChipAuthentication.Private = other
		}, nil, func(t *testing.T, r *reader.Result, err error) {
			if err != nil || r.Chip.Verdict != reader.Failed || r.Genuine() {
				t.Fatalf("chip %+v, err %v", r.Chip, err)
			}
		}},
		{"cloned chip without the AA key", vchip.ProfileBAC, func(d *vchip.Document) {
			k, _ := rsa.GenerateKey(rand.Reader, 1024)
			d.Config.ActiveAuthenticationKey = k
		}, nil, func(t *testing.T, r *reader.Result, err error) {
			if err != nil || r.Active.Verdict != reader.Failed || r.Genuine() {
				t.Fatalf("active %+v, err %v", r.Active, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := document(t, tt.profile)
			if tt.edit != nil {
				tt.edit(d)
			}
			access := reader.Access{MRZ: &d.Config.MRZ}
			if tt.access != nil {
				access = tt.access(d)
			}
			r, err := reader.Read(context.Background(), chip(t, d.Config), access, reader.Options{Trust: trust(t, d)})
			tt.check(t, r, err)
		})
	}
}

func BenchmarkRead(b *testing.B) {
	for _, p := range []vchip.Profile{vchip.ProfileBAC, vchip.ProfilePACEBrainpool} {
		b.Run(string(p), func(b *testing.B) {
			d := document(b, p)
			store := trust(b, d)
			var apdus int
			for b.Loop() {
				r, err := reader.Read(context.Background(), chip(b, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: store})
				if err != nil || !r.Genuine() {
					b.Fatal(err)
				}
				apdus = r.APDUs
			}
			b.ReportMetric(float64(apdus), "APDUs/read")
		})
	}
}

// BenchmarkReadDG1DG2 reads DG1 and a 20 KB DG2 after BAC, with extended
// length and with short APDUs (goal: at most 3 APDUs for the DG2 body with
// extended length).
func BenchmarkReadDG1DG2(b *testing.B) {
	d := document(b, vchip.ProfileBAC)
	for _, tc := range []struct {
		name  string
		chunk int
	}{{"extended", emrtd.ExtendedChunk}, {"short", emrtd.DefaultChunk}} {
		b.Run(tc.name, func(b *testing.B) {
			var apdus, dg2APDUs int
			for b.Loop() {
				b.StopTimer()
				card := chip(b, d.Config)
				ct := &countingTransport{next: card}
				if err := emrtd.SelectApplication(context.Background(), ct); err != nil {
					b.Fatal(err)
				}
				s, err := emrtd.BAC(context.Background(), ct, d.Config.MRZ, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				ct.n = 0
				b.StartTimer()
				if _, err := emrtd.ReadFileChunked(context.Background(), s, 0x0101, tc.chunk); err != nil {
					b.Fatal(err)
				}
				before := ct.n
				dg2, err := emrtd.ReadFileChunked(context.Background(), s, 0x0102, tc.chunk)
				if err != nil || len(dg2) < 20<<10 {
					b.Fatal(err)
				}
				apdus, dg2APDUs = ct.n, ct.n-before
			}
			b.ReportMetric(float64(apdus), "APDUs")
			// SELECT and the 8-byte header read come before the DG2 body.
			b.ReportMetric(float64(dg2APDUs-2), "DG2-body-APDUs")
		})
	}
}

type countingTransport struct {
	next emrtd.Transport
	n    int
}

func (c *countingTransport) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c.n++
	return c.next.Transmit(ctx, apdu)
}

// TestReadUnderFaults: every misbehaviour of the chip ends in a clear error
// or a failed check, never a panic, a hang or a passed document.
func TestReadUnderFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault vchip.Fault
		want  string // in the error, or in a failed check
	}{
		{"wrong MAC on a data read", vchip.Fault{Kind: vchip.FaultWrongMAC, INS: 0xB0, After: 3, Times: 1}, "MAC"},
		{"truncated answer", vchip.Fault{Kind: vchip.FaultTruncate, INS: 0xB0, After: 4, Times: 1}, "DG"},
		{"oversized answer", vchip.Fault{Kind: vchip.FaultOversize, INS: 0xB0, After: 2, Times: 1}, ""},
		{"security status on a SELECT", vchip.Fault{Kind: vchip.FaultStatus, INS: 0xA4, After: 3, Times: 1, Status: emrtd.SWSecurityStatus}, "security status"},
		{"file not found on a SELECT", vchip.Fault{Kind: vchip.FaultStatus, INS: 0xA4, After: 6, Times: 1, Status: emrtd.SWFileNotFound}, "not found"},
		{"refused mutual authentication", vchip.Fault{Kind: vchip.FaultStatus, INS: 0x82, Status: emrtd.SWAuthenticationFailed}, "could not be opened"},
		{"wrong MAC on active authentication", vchip.Fault{Kind: vchip.FaultWrongMAC, INS: 0x88}, "active"},
		{"slow chip", vchip.Fault{Kind: vchip.FaultDelay, INS: 0xB0, After: 5, Delay: time.Minute}, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := document(t, vchip.ProfileBAC)
			d.Config.Faults = []vchip.Fault{tt.fault}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			r, err := reader.Read(ctx, chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: trust(t, d)})
			if err == nil && r.Genuine() {
				t.Fatalf("the document passed despite the fault")
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			} else {
				msg = r.Active.Detail + " active " + r.Chip.Detail + strings.Join(r.Problems, " ")
				if r.Passive != nil {
					msg += strings.Join(r.Passive.Problems, " ")
				}
			}
			t.Log(msg)
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("%q lacks %q", msg, tt.want)
			}
		})
	}
}

func TestReadJPEG2000Portrait(t *testing.T) {
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 140, 200, 0), 320, 240, gocv.MatTypeCV8UC3)
	defer img.Close()
	jp2, err := gocv.IMEncode(".jp2", img)
	if err != nil {
		t.Fatal(err)
	}
	defer jp2.Close()
	d, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, Profile: vchip.ProfileBAC,
		Face: append([]byte(nil), jp2.GetBytes()...), FaceFormat: lds.ImageJPEG2000})
	if err != nil {
		t.Fatal(err)
	}
	r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: trust(t, d)})
	if err != nil || !r.Genuine() {
		t.Fatalf("%v %v", err, r.Problems)
	}
	if r.Portrait == nil || r.Portrait.Format != "JPEG2000" || r.Portrait.Width != 240 || r.Portrait.Height != 320 {
		t.Fatalf("portrait %+v", r.Portrait)
	}
	// A portrait that does not decode is reported.
	d, _ = vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, Profile: vchip.ProfileBAC, Face: []byte("not an image"), FaceFormat: lds.ImageJPEG})
	r, err = reader.Read(context.Background(), chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: trust(t, d)})
	if err != nil || r.Portrait != nil || !strings.Contains(strings.Join(r.Problems, " "), "does not decode") {
		t.Fatalf("portrait %+v problems %v (%v)", r.Portrait, r.Problems, err)
	}
}

// A DG2 holding an ISO/IEC 39794-5 face image data block (7F2E) is read
// end to end: the portrait is extracted and decodes, and Passive
// Authentication, which hashes DG2 as stored, still passes.
func TestReadISO39794Portrait(t *testing.T) {
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 140, 200, 0), 320, 240, gocv.MatTypeCV8UC3)
	defer img.Close()
	jp2, err := gocv.IMEncode(".jp2", img)
	if err != nil {
		t.Fatal(err)
	}
	defer jp2.Close()
	tests := []struct {
		name    string
		profile vchip.Profile
		face    []byte
		format  lds.ImageFormat
		magic   []byte
	}{
		{"JPEG over BAC", vchip.ProfileBAC, nil, lds.ImageJPEG, []byte{0xFF, 0xD8}},
		{"JPEG over PACE", vchip.ProfilePACEBrainpool, nil, lds.ImageJPEG, []byte{0xFF, 0xD8}},
		{"JPEG 2000", vchip.ProfileBAC, append([]byte(nil), jp2.GetBytes()...), lds.ImageJPEG2000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, CAN: "123456", Profile: tt.profile, FaceBytes: 20 << 10,
				Face: tt.face, FaceFormat: tt.format, FaceStandard: lds.FaceISO39794})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(d.Groups[2], []byte{0x7F, 0x2E}) {
				t.Fatal("the document's DG2 has no 7F2E data block")
			}
			r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: trust(t, d)})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) != 0 {
				t.Fatalf("problems %v", r.Problems)
			}
			if len(r.Faces) != 1 {
				t.Fatalf("%d faces", len(r.Faces))
			}
			f := r.Faces[0]
			if f.Standard() != lds.FaceISO39794 || f.Extensible == nil || f.Format != tt.format || !bytes.HasPrefix(f.Image, tt.magic) ||
				f.Width != 240 || f.Height != 320 || f.ImageType != 1 {
				t.Fatalf("face %s %q %d×%d type %d", f.Standard(), f.Format, f.Width, f.Height, f.ImageType)
			}
			if tt.face != nil && !bytes.Equal(f.Image, tt.face) {
				t.Fatal("portrait bytes differ from the document's")
			}
			if p := r.Portrait; p == nil || p.Format != string(tt.format) || p.Standard != "ISO/IEC 39794-5:2019" ||
				p.Width != 240 || p.Height != 320 {
				t.Fatalf("portrait %+v", r.Portrait)
			}
			if !r.Passive.Passed() || !r.Genuine() {
				t.Fatalf("passive %+v chip %+v active %+v", r.Passive, r.Chip, r.Active)
			}
			if !bytes.Equal(r.Groups[2], d.Groups[2]) {
				t.Fatal("DG2 read differs from the document's")
			}
		})
	}
	// A 39794-5 portrait that does not decode is reported with its
	// standard; the rest of the read goes on.
	d, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, Profile: vchip.ProfileBAC, Face: []byte("not an image"),
		FaceStandard: lds.FaceISO39794})
	if err != nil {
		t.Fatal(err)
	}
	r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{MRZ: &d.Config.MRZ}, reader.Options{Trust: trust(t, d)})
	if err != nil || r.Portrait != nil || len(r.Faces) != 1 || !r.Passive.Passed() ||
		!strings.Contains(strings.Join(r.Problems, " "), "JPEG portrait of DG2 (ISO/IEC 39794-5:2019) does not decode") {
		t.Fatalf("portrait %+v problems %v (%v)", r.Portrait, r.Problems, err)
	}
}

// PACE-CAM is checked against the key EF.CardSecurity signs; a file that is
// missing, forged or signed outside the trust store is reported, and the
// document is then not genuine.
func TestCardSecurity(t *testing.T) {
	other := document(t, vchip.ProfilePACECAM) // another document signer and chip key
	for _, tc := range []struct {
		name       string
		edit       func(d *vchip.Document)
		detail     string
		signature  passive.Verdict
		chain      passive.Verdict
		genuine    bool
		noFile     bool
		chipFailed bool
	}{
		{name: "signed", edit: func(*vchip.Document) {}, detail: "EF.CardSecurity", signature: passive.Passed, chain: passive.Passed, genuine: true},
		{name: "missing", edit: func(d *vchip.Document) { d.Config.CardSecurity = nil }, detail: "DG14", noFile: true, genuine: true},
		{name: "another signer", edit: func(d *vchip.Document) { d.Config.CardSecurity = other.Config.CardSecurity },
			signature: passive.Passed, chain: passive.Failed, chipFailed: true},
		{name: "forged", edit: func(d *vchip.Document) {
			b := bytes.Clone(d.Config.CardSecurity)
			b[len(b)-5] ^= 0x01 // inside the signature
			d.Config.CardSecurity = b
		}, detail: "DG14", signature: passive.Failed, chain: passive.Passed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := document(t, vchip.ProfilePACECAM)
			tc.edit(d)
			r, err := reader.Read(context.Background(), chip(t, d.Config), reader.Access{CAN: "123456"}, reader.Options{Trust: trust(t, d)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.chipFailed {
				// The other chip's key does not match this chip's mapping.
				if r.Chip.Verdict != reader.Failed {
					t.Fatalf("chip check %+v, want failed", r.Chip)
				}
			} else if r.Chip.Verdict != reader.Passed || !strings.Contains(r.Chip.Detail, tc.detail) {
				t.Fatalf("chip check %+v, want passed with the key from %s", r.Chip, tc.detail)
			}
			if tc.noFile {
				if r.CardSecurity != nil || len(r.Problems) == 0 {
					t.Fatalf("card security %+v, problems %v", r.CardSecurity, r.Problems)
				}
			} else if r.CardSecurity == nil || r.CardSecurity.Signature != tc.signature || r.CardSecurity.Chain != tc.chain {
				t.Fatalf("card security %+v", r.CardSecurity)
			}
			if r.Genuine() != tc.genuine {
				t.Fatalf("genuine %v, want %v (chip %+v, card security %+v)", r.Genuine(), tc.genuine, r.Chip, r.CardSecurity)
			}
		})
	}
}
