package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/reader"
	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/drivers/pcsc"
)

// diagChip reads a document through a PC/SC reader, without the daemon.
func (c *cli) diagChip(ctx context.Context, args []string) error {
	var (
		asJSON, short                              bool
		readerName, mrzText, doc, dob, expiry, can string
		cscaDir, faceOut                           string
	)
	if _, err := flags("diag chip", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.BoolVar(&short, "short-apdus", false, "")
		fs.StringVar(&readerName, "reader", "", "")
		fs.StringVar(&mrzText, "mrz", "", "")
		fs.StringVar(&doc, "doc", "", "")
		fs.StringVar(&dob, "dob", "", "")
		fs.StringVar(&expiry, "expiry", "", "")
		fs.StringVar(&can, "can", "", "")
		fs.StringVar(&cscaDir, "csca", "", "")
		fs.StringVar(&faceOut, "face-out", "", "")
	}); err != nil {
		return err
	}
	access := reader.Access{CAN: can}
	switch {
	case mrzText != "":
		m, err := mrz.Parse(mrzText)
		if m == nil {
			return fmt.Errorf("--mrz: %w", err)
		}
		if err != nil {
			return fmt.Errorf("--mrz is not valid, the chip would refuse it: %w", err)
		}
		k := emrtd.KeyFromMRZ(m)
		access.MRZ = &k
	case doc != "" || dob != "" || expiry != "":
		k := emrtd.MRZKey{DocumentNumber: doc, DateOfBirth: dob, DateOfExpiry: expiry}
		if _, err := k.Information(); err != nil {
			return usageError{fmt.Sprintf("diag chip: --doc, --dob and --expiry: %v", err)}
		}
		access.MRZ = &k
	case can == "":
		return usageError{"diag chip needs --mrz, or --doc with --dob and --expiry, or --can"}
	}
	opt := reader.Options{ShortAPDUs: short}
	if cscaDir != "" {
		store, rep, err := passive.LoadDir(cscaDir)
		if err != nil {
			return err
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(os.Stderr, "stationctl: trust store:", p)
		}
		opt.Trust = store
	}

	pc, err := pcsc.Open()
	if err != nil {
		return err
	}
	defer pc.Close()
	name, err := pc.Select(readerName)
	if err != nil {
		return err
	}
	card, err := pc.Connect(name)
	if err != nil {
		return err
	}
	defer card.Close()
	r, rerr := reader.Read(ctx, card, access, opt)
	if rerr != nil && r.Access == "" {
		return rerr
	}
	if faceOut != "" && len(r.Faces) > 0 {
		if err := os.WriteFile(faceOut, r.Faces[0].Image, 0o600); err != nil {
			return fmt.Errorf("--face-out: %w", err)
		}
	}
	if asJSON {
		out := struct {
			Reader string `json:"reader"`
			*reader.Result
			Genuine bool    `json:"genuine"`
			Faces   int     `json:"faces"`
			Seconds float64 `json:"seconds"`
			Error   string  `json:"error,omitempty"`
		}{Reader: name, Result: r, Genuine: r.Genuine(), Faces: len(r.Faces), Seconds: r.Duration.Seconds()}
		if rerr != nil {
			out.Error = rerr.Error()
		}
		if err := c.printJSON(out); err != nil {
			return err
		}
	} else {
		printChip(c, name, r)
	}
	if rerr != nil {
		return rerr
	}
	if !r.Genuine() {
		return errors.New("the document did not pass every authenticity check")
	}
	return nil
}

func printChip(c *cli, name string, r *reader.Result) {
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "reader\t%s\n", name)
	fmt.Fprintf(tw, "access\t%s\n", r.Access)
	if r.PACEError != "" {
		fmt.Fprintf(tw, "pace\tnot used: %s\n", r.PACEError)
	}
	if r.DG1 != nil && r.DG1.MRZ != nil {
		m := r.DG1.MRZ
		fmt.Fprintf(tw, "document\t%s %s, issued by %s, expires %s\n", m.DocumentCode, m.DocumentNumber, m.IssuingState, m.DateOfExpiry)
		fmt.Fprintf(tw, "holder\t%s, %s; %s, born %s, %s\n", m.Surname, m.GivenNames, m.Nationality, m.DateOfBirth, m.Sex)
	}
	if p := r.Portrait; p != nil {
		fmt.Fprintf(tw, "face\t%d image(s), %s %d×%d\n", len(r.Faces), p.Format, p.Width, p.Height)
	} else {
		fmt.Fprintf(tw, "face\t%d image(s)\n", len(r.Faces))
	}
	if p := r.Passive; p != nil {
		groups := make([]string, 0, len(p.Groups))
		for _, g := range p.Groups {
			if g.Read {
				groups = append(groups, fmt.Sprintf("DG%d %s", g.Group, g.Verdict))
			}
		}
		fmt.Fprintf(tw, "passive authentication\tsignature %s, CSCA chain %s; %s\n", p.Signature, p.Chain, strings.Join(groups, ", "))
		for _, pr := range p.Problems {
			fmt.Fprintf(tw, "\t%s\n", pr)
		}
	}
	if cs := r.CardSecurity; cs != nil {
		fmt.Fprintf(tw, "EF.CardSecurity\tsignature %s, CSCA chain %s\n", cs.Signature, cs.Chain)
		for _, pr := range cs.Problems {
			fmt.Fprintf(tw, "\t%s\n", pr)
		}
	}
	fmt.Fprintf(tw, "chip authentication\t%s %s\n", r.Chip.Verdict, r.Chip.Detail)
	fmt.Fprintf(tw, "active authentication\t%s %s\n", r.Active.Verdict, r.Active.Detail)
	for _, p := range r.Problems {
		fmt.Fprintf(tw, "problem\t%s\n", p)
	}
	fmt.Fprintf(tw, "genuine\t%v\n", r.Genuine())
	fmt.Fprintf(tw, "apdus\t%d in %.0f ms (reads of up to %d bytes)\n", r.APDUs, float64(r.Duration.Microseconds())/1000, r.ReadSize)
}
