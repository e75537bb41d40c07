// Command genprints writes synthetic fingerprint images and their ground
// truth into a folder.
//
// Usage:
//
//	genprints -n 10 -out DIR [-seed 1] [-degradation 0.3] [-class whorl] [-format png|pgm]
//
// It writes print_NNNN.png (or .pgm) for each print and truth.json with,
// for every print, the file name, seed, class, singular points and
// minutiae in pixel coordinates.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/capturestation/station/internal/testdata/fingerprints"
)

type truthPrint struct {
	File        string          `json:"file"`
	Seed        int64           `json:"seed"`
	Class       string          `json:"class"`
	Width       int             `json:"width"`
	Height      int             `json:"height"`
	PPI         int             `json:"ppi"`
	Degradation float64         `json:"degradation"`
	Singular    []truthSingular `json:"singular_points"`
	Minutiae    []truthMinutia  `json:"minutiae"`
	Foreground  string          `json:"foreground_file,omitempty"`
}

type truthSingular struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Kind string  `json:"kind"`
}

type truthMinutia struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	Angle float64 `json:"angle_rad"`
	Kind  string  `json:"kind"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genprints:", err)
		os.Exit(1)
	}
}

func parseClass(s string) (fingerprints.Class, error) {
	if s == "" || s == "any" {
		return fingerprints.AnyClass, nil
	}
	for _, c := range fingerprints.Classes() {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown class %q", s)
}

func run(args []string) error {
	fs := flag.NewFlagSet("genprints", flag.ContinueOnError)
	n := fs.Int("n", 10, "number of prints")
	out := fs.String("out", "", "output folder (created if missing)")
	seed := fs.Int64("seed", 1, "seed of the first print; print i uses seed+i")
	deg := fs.Float64("degradation", 0, "overall degradation in [0,1]")
	className := fs.String("class", "any", "class: any, arch, tented_arch, left_loop, right_loop, whorl")
	width := fs.Int("width", 0, "image width (0: 416)")
	height := fs.Int("height", 0, "image height (0: 560)")
	format := fs.String("format", "png", "image format: png or pgm")
	masks := fs.Bool("masks", false, "also write the foreground masks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	if *format != "png" && *format != "pgm" {
		return fmt.Errorf("unknown format %q", *format)
	}
	class, err := parseClass(*className)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	var truth []truthPrint
	start := time.Now()
	for i := 0; i < *n; i++ {
		p := fingerprints.Params{Seed: *seed + int64(i), Class: class, Width: *width, Height: *height, Degradation: *deg}
		pr, err := fingerprints.Generate(p)
		if err != nil {
			return fmt.Errorf("print %d: %w", i, err)
		}
		name := fmt.Sprintf("print_%04d.%s", i, *format)
		if err := writeImage(filepath.Join(*out, name), pr.Image, *format); err != nil {
			return err
		}
		t := truthPrint{
			File: name, Seed: p.Seed, Class: pr.Class.String(),
			Width: pr.Image.Rect.Dx(), Height: pr.Image.Rect.Dy(), PPI: 500, Degradation: *deg,
			Singular: []truthSingular{}, Minutiae: []truthMinutia{},
		}
		if *masks {
			t.Foreground = fmt.Sprintf("mask_%04d.%s", i, *format)
			if err := writeImage(filepath.Join(*out, t.Foreground), pr.Foreground, *format); err != nil {
				return err
			}
		}
		for _, s := range pr.Singular {
			t.Singular = append(t.Singular, truthSingular{X: s.X, Y: s.Y, Kind: s.Kind.String()})
		}
		for _, m := range pr.Minutiae {
			t.Minutiae = append(t.Minutiae, truthMinutia{X: m.X, Y: m.Y, Angle: m.Angle, Kind: m.Kind.String()})
		}
		truth = append(truth, t)
	}
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return fmt.Errorf("encode ground truth: %w", err)
	}
	if err := os.WriteFile(filepath.Join(*out, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write ground truth: %w", err)
	}
	fmt.Printf("wrote %d prints to %s in %v\n", *n, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

func writeImage(path string, img *image.Gray, format string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
	}()
	if format == "png" {
		if err := png.Encode(f, img); err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		return nil
	}
	bw := bufio.NewWriter(f)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	fmt.Fprintf(bw, "P5\n%d %d\n255\n", w, h)
	for y := 0; y < h; y++ {
		bw.Write(img.Pix[y*img.Stride : y*img.Stride+w])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
