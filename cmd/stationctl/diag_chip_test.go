package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/emrtd/vchip"
	"github.com/capturestation/station/drivers/pcsc"
	"github.com/capturestation/station/drivers/pcsc/pcsctest"
	"github.com/capturestation/station/drivers/pcsc/vpcd"
)

const specimenMRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10"

// insert serves a virtual document in a vpcd slot until the returned
// function removes it, and waits until pcscd sees it.
func insert(t *testing.T, slot pcsctest.Slot, d *vchip.Document) (remove func()) {
	t.Helper()
	card, err := vchip.New(d.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { vpcd.Serve(ctx, slot.Addr, card, 20*time.Millisecond, nil); close(done) }()
	waitCard(t, slot.Reader, true)
	return func() {
		cancel()
		<-done
		waitCard(t, slot.Reader, false)
	}
}

func waitCard(t *testing.T, reader string, present bool) {
	t.Helper()
	pc, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := pc.Connect(reader)
		if err == nil {
			c.Close()
		}
		if (err == nil) == present {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("card present=%v never seen in %s: %v", present, reader, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDiagChipThroughPCSCD(t *testing.T) {
	d := pcsctest.Start(t, "Station Test PCD")
	type chipCase struct {
		profile vchip.Profile
		face    lds.FaceStandard
	}
	var cases []chipCase
	for _, p := range vchip.Profiles() {
		cases = append(cases, chipCase{p, lds.FaceISO19794})
	}
	// A DG2 with an ISO/IEC 39794-5 face block, as the 8th edition allows.
	cases = append(cases, chipCase{vchip.ProfilePACEBrainpool, lds.FaceISO39794})
	for _, tc := range cases {
		p := tc.profile
		t.Run(string(p)+"/"+string(tc.face), func(t *testing.T) {
			doc, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimenMRZ, CAN: "123456", Profile: p, FaceBytes: 20 << 10, FaceStandard: tc.face})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			csca := filepath.Join(dir, "csca")
			os.Mkdir(csca, 0o700)
			os.WriteFile(filepath.Join(csca, "utopia.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: doc.PKI.CSCA.Raw}), 0o600)
			remove := insert(t, d.Slots[0], doc)
			defer remove()

			face := filepath.Join(dir, "face.jpg")
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"diag", "chip", "--reader", "00 00", "--mrz", specimenMRZ,
				"--csca", csca, "--face-out", face, "--json"}, nil, nil, &out, &errOut)
			if code != 0 {
				t.Fatalf("exit %d: %s%s\n%s", code, out.String(), errOut.String(), d.Log())
			}
			var r struct {
				Reader   string
				Access   string
				Genuine  bool
				APDUs    int
				ReadSize int
				Passive  struct{ Signature, Chain string }
				Chip     struct{ Verdict string } `json:"chipAuthentication"`
				Active   struct{ Verdict string } `json:"activeAuthentication"`
				DG1      struct{ MRZ struct{ Surname string } }
				Portrait struct{ Standard string }
			}
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if !r.Genuine || r.Passive.Signature != "passed" || r.Passive.Chain != "passed" || r.Chip.Verdict != "passed" ||
				r.Active.Verdict != "passed" || r.DG1.MRZ.Surname != "ERIKSSON" || r.Reader != d.Slots[0].Reader || r.APDUs == 0 || r.ReadSize <= 223 ||
				r.Portrait.Standard != string(tc.face) {
				t.Fatalf("result %+v", r)
			}
			if img, err := os.ReadFile(face); err != nil || !bytes.HasPrefix(img, []byte{0xFF, 0xD8}) {
				t.Fatalf("face: %v", err)
			}

			if p == vchip.ProfileBAC {
				// The same chip with a wrong date of expiry, in text form.
				out.Reset()
				errOut.Reset()
				code = run(context.Background(), []string{"diag", "chip", "--doc", "L898902C3", "--dob", "740812", "--expiry", "120416"}, nil, nil, &out, &errOut)
				if code != 1 || !strings.Contains(errOut.String(), "check document number") {
					t.Fatalf("wrong key: exit %d: %s", code, errOut.String())
				}
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"diag", "chip", "--reader", "00 01", "--can", "123456"}, nil, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "no card") {
		t.Fatalf("empty reader: exit %d: %s", code, errOut.String())
	}
}

func TestDiagChipUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diag", "chip"}, 2, "needs --mrz"},
		{[]string{"diag", "chip", "--doc", "X", "--dob", "7408"}, 2, "six digits"},
		{[]string{"diag", "chip", "--mrz", "P<UTO"}, 1, "--mrz"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tt.args, nil, nil, &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d: %s", tt.args, code, errOut.String())
		}
	}
	t.Setenv("PCSCLITE_CSOCK_NAME", filepath.Join(t.TempDir(), "none.comm"))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"diag", "chip", "--can", "123456"}, nil, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "pcscd is not running") {
		t.Fatalf("no daemon: exit %d: %s", code, errOut.String())
	}
}
