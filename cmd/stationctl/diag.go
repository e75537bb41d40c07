package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/capture/mrz/ocr"
)

// diagMRZ reads the MRZ of images or of the document under a camera, or
// parses MRZ text typed by an operator or sent by a hand scanner. It needs
// no daemon.
func (c *cli) diagMRZ(ctx context.Context, args []string) error {
	var asJSON, repair bool
	var text string
	var cam cameraFlags
	images, err := flags("diag mrz", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.BoolVar(&repair, "repair", false, "")
		fs.StringVar(&text, "text", "", "")
		cam.define(fs, 1920, 1080)
		fs.Float64Var(&cam.seconds, "seconds", 12, "")
	})
	if err != nil {
		return err
	}
	sources := 0
	for _, given := range []bool{len(images) > 0, text != "", cam.device != ""} {
		if given {
			sources++
		}
	}
	switch {
	case sources > 1:
		return usageError{"diag mrz takes images, --text or --camera: one of them"}
	case cam.device != "":
		return c.diagMRZCamera(ctx, cam, asJSON)
	case len(images) > 0:
		return c.diagMRZImages(images, asJSON)
	case text == "":
		return usageError{"diag mrz needs IMAGE..., --text 'LINE1|LINE2' or --camera SPEC"}
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

// diagMRZImages reads the MRZ of each image file.
func (c *cli) diagMRZImages(paths []string, asJSON bool) error {
	r, err := ocr.NewReader()
	if err != nil {
		return err
	}
	type report struct {
		File         string   `json:"file"`
		Found        bool     `json:"found"`
		Lines        []string `json:"lines,omitempty"`
		Valid        bool     `json:"valid"`
		MRZ          *mrz.MRZ `json:"mrz,omitempty"`
		Confidence   float64  `json:"confidence"`
		Milliseconds float64  `json:"milliseconds"`
		Error        string   `json:"error,omitempty"`
	}
	var reports []report
	failed := 0
	for _, p := range paths {
		rep := report{File: p}
		data, err := os.ReadFile(p)
		var res *ocr.Result
		if err == nil {
			res, err = r.ReadImage(data, time.Now())
		}
		if res != nil {
			rep.Found, rep.Lines, rep.MRZ = true, res.Lines, res.MRZ
			rep.Valid = res.MRZ != nil && res.MRZ.Valid
			rep.Milliseconds = float64(res.Elapsed.Microseconds()) / 1000
			rep.Confidence = res.MeanConfidence()
			if res.Err != nil {
				rep.Error = res.Err.Error()
			}
		}
		if err != nil {
			rep.Error = err.Error()
		}
		if !rep.Valid {
			failed++
		}
		reports = append(reports, rep)
	}
	if asJSON {
		if err := c.printJSON(reports); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		for _, rep := range reports {
			fmt.Fprintf(tw, "file\t%s\n", rep.File)
			fmt.Fprintf(tw, "found\t%v\n", rep.Found)
			for i, l := range rep.Lines {
				fmt.Fprintf(tw, "line %d\t%s\n", i+1, l)
			}
			fmt.Fprintf(tw, "valid\t%v\n", rep.Valid)
			if m := rep.MRZ; m != nil {
				printHolder(tw, m)
				for _, r := range m.Repairs {
					fmt.Fprintf(tw, "repaired\t%s line %d column %d: %s → %s (%s)\n", r.Field, r.Line, r.Column, r.From, r.To, r.Reason)
				}
			}
			fmt.Fprintf(tw, "confidence\t%.2f\n", rep.Confidence)
			fmt.Fprintf(tw, "time\t%.1f ms\n", rep.Milliseconds)
			if rep.Error != "" {
				fmt.Fprintf(tw, "error\t%s\n", rep.Error)
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images gave no valid MRZ", failed, len(paths))
	}
	return nil
}

// printHolder prints the document and its holder as an OCR reading gave
// them.
func printHolder(w io.Writer, m *mrz.MRZ) {
	fmt.Fprintf(w, "document\t%s %s, issued by %s\n", m.DocumentCode, m.DocumentNumber, m.IssuingState)
	fmt.Fprintf(w, "name\t%s, %s\n", m.Surname, m.GivenNames)
	fmt.Fprintf(w, "born\t%s\texpires %s\n", m.DateOfBirth, m.DateOfExpiry)
}
