package main

import (
	"context"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/emrtd/vchip"
	"github.com/capturestation/station/drivers/pcsc/vpcd"
)

// runChip serves a virtual ePassport to pcscd's vpcd reader until ctx ends.
func runChip(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stationsim chip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profiles := make([]string, 0, len(vchip.Profiles()))
	for _, p := range vchip.Profiles() {
		profiles = append(profiles, string(p))
	}
	var (
		mrzText = fs.String("mrz", "", "the document's MRZ, lines separated by '|' (required)")
		can     = fs.String("can", "", "card access number for PACE with the CAN (six digits)")
		profile = fs.String("profile", string(vchip.ProfilePACEBrainpool), "access control and algorithms: "+strings.Join(profiles, ", "))
		face    = fs.String("face", "", "JPEG portrait for DG2 (default: a generated one)")
		faceStd = fs.String("face-standard", "19794", "encoding of the face in DG2: 19794 (ISO/IEC 19794-5:2005, data block 5F2E) or 39794 (ISO/IEC 39794-5:2019, data block 7F2E)")
		addr    = fs.String("vpcd", "127.0.0.1:35963", "vpcd slot to connect to (pcscd's vpcd listens on 35963 for its first slot)")
		cscaOut = fs.String("csca-out", "", "write the document's CSCA certificate (PEM) here, for stationctl diag chip --csca")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mrzText == "" || fs.NArg() > 0 {
		return fmt.Errorf("stationsim chip needs --mrz 'LINE1|LINE2' and no other arguments")
	}
	spec := vchip.DocumentSpec{MRZ: *mrzText, CAN: *can, Profile: vchip.Profile(*profile)}
	switch *faceStd {
	case "19794":
		spec.FaceStandard = lds.FaceISO19794
	case "39794":
		spec.FaceStandard = lds.FaceISO39794
	default:
		return fmt.Errorf("--face-standard %q: use 19794 or 39794", *faceStd)
	}
	if *face != "" {
		b, err := os.ReadFile(*face)
		if err != nil {
			return fmt.Errorf("--face: %w", err)
		}
		spec.Face = b
	}
	doc, err := vchip.NewDocument(spec)
	if err != nil {
		return err
	}
	card, err := vchip.New(doc.Config)
	if err != nil {
		return err
	}
	if *cscaOut != "" {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: doc.PKI.CSCA.Raw})
		if err := os.WriteFile(*cscaOut, pemBytes, 0o644); err != nil {
			return fmt.Errorf("--csca-out: %w", err)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fmt.Fprintf(stdout, "virtual %s document %s (%s) connecting to vpcd at %s\n", doc.MRZ.Format, doc.MRZ.DocumentNumber, *profile, *addr)
	return vpcd.Serve(ctx, *addr, card, 0, log)
}
