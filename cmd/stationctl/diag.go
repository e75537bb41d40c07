package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capturestation/station/capture/mrz"
)

// diagMRZ parses MRZ text typed by an operator or sent by a hand scanner.
// It needs no daemon.
func (c *cli) diagMRZ(args []string) error {
	var asJSON, repair bool
	var text string
	images, err := flags("diag mrz", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.BoolVar(&repair, "repair", false, "")
		fs.StringVar(&text, "text", "", "")
	})
	if err != nil {
		return err
	}
	switch {
	case len(images) > 0:
		return errors.New("diag mrz: reading an MRZ from an image is not available yet; give the text with --text 'LINE1|LINE2'")
	case text == "":
		return usageError{"diag mrz needs --text 'LINE1|LINE2'"}
	}
	start := time.Now()
	m, perr := mrz.ParseLines(mrz.SplitLines(text), mrz.Options{Repair: repair})
	elapsed := time.Since(start)
	if m == nil {
		return perr
	}
	if asJSON {
		out := struct {
			*mrz.MRZ
			Milliseconds float64 `json:"milliseconds"`
		}{m, float64(elapsed.Microseconds()) / 1000}
		if err := c.printJSON(out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "format\t%s\n", m.Format)
		for i, l := range m.Lines {
			fmt.Fprintf(tw, "line %d\t%s\n", i+1, l)
		}
		fmt.Fprintf(tw, "valid\t%v\n", m.Valid)
		fmt.Fprintf(tw, "document\t%s %s, issued by %s\n", m.DocumentCode, m.DocumentNumber, m.IssuingState)
		fmt.Fprintf(tw, "name\t%s, %s\n", m.Surname, m.GivenNames)
		fmt.Fprintf(tw, "nationality\t%s\n", m.Nationality)
		fmt.Fprintf(tw, "born\t%s\n", m.DateOfBirth)
		fmt.Fprintf(tw, "sex\t%s\n", m.Sex)
		fmt.Fprintf(tw, "expires\t%s\n", m.DateOfExpiry)
		if m.OptionalData != "" || m.OptionalData2 != "" {
			fmt.Fprintf(tw, "optional\t%s\n", strings.TrimSpace(m.OptionalData+" "+m.OptionalData2))
		}
		for _, r := range m.Repairs {
			fmt.Fprintf(tw, "repaired\t%s line %d column %d: %s → %s (%s)\n", r.Field, r.Line, r.Column, r.From, r.To, r.Reason)
		}
		for _, p := range m.Problems {
			fmt.Fprintf(tw, "problem\t%s\n", p)
		}
		fmt.Fprintf(tw, "time\t%.3f ms\n", float64(elapsed.Microseconds())/1000)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if perr != nil {
		return errors.New("the MRZ is not valid")
	}
	return nil
}
