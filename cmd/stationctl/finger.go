package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capturestation/station/capture/finger"
	"github.com/capturestation/station/capture/finger/fir"
	"github.com/capturestation/station/internal/pgm"
	"github.com/capturestation/station/internal/wsq"
)

// maxPrintFile bounds the files the fingerprint commands read.
const maxPrintFile = 64 << 20

// readPrint loads a print from a .pgm, .png or .wsq file. The resolution
// comes from the WSQ header, else from ppi.
func readPrint(path string, ppi int) (*image.Gray, int, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if st.Size() > maxPrintFile {
		return nil, 0, fmt.Errorf("%s: %d bytes is larger than any print file (limit %d)", path, st.Size(), maxPrintFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pgm":
		img, err := pgm.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		return img, ppi, nil
	case ".png":
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		return toGray(img), ppi, nil
	case ".fir":
		return readRecord(path, data)
	case ".wsq":
		cfg, err := wsq.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		img, err := wsq.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		if cfg.PPI > 0 {
			ppi = cfg.PPI
		}
		return img, ppi, nil
	}
	return nil, 0, fmt.Errorf("%s: unknown file type (use .pgm, .png, .wsq or .fir)", path)
}

// readRecord decodes the first image of an ISO/IEC 19794-4 record that
// holds raw or WSQ data.
func readRecord(path string, data []byte) (*image.Gray, int, error) {
	rec, err := fir.Parse(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	im := rec.Images[0]
	ppi := int(im.ImageResX)
	if im.Units == fir.PixelsPerCm {
		ppi = int(float64(im.ImageResX)*2.54 + 0.5)
	}
	switch {
	case im.Compression == fir.WSQ:
		img, err := wsq.Decode(bytes.NewReader(im.Data))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: image 1: %w", path, err)
		}
		return img, ppi, nil
	case im.Compression == fir.Raw && im.BitDepth == 8:
		img := image.NewGray(image.Rect(0, 0, int(im.Width), int(im.Height)))
		copy(img.Pix, im.Data)
		return img, ppi, nil
	}
	return nil, 0, fmt.Errorf("%s: image 1 is %v at %d bits; only raw 8-bit and WSQ images are read", path, im.Compression, im.BitDepth)
}

// fingerRecord builds an ISO/IEC 19794-4:2011 record holding img as WSQ
// with its quality score. The score is the station's own, so no NIST
// vendor or algorithm identifier is claimed.
func fingerRecord(img *image.Gray, ppi int, bitrate float64, score int) ([]byte, error) {
	var buf bytes.Buffer
	if err := wsq.Encode(&buf, img, wsq.Options{Bitrate: bitrate, PPI: ppi}); err != nil {
		return nil, err
	}
	b := img.Bounds()
	im := fir.PPI500(b.Dx(), b.Dy(), fir.WSQ)
	im.ScanResX, im.ScanResY, im.ImageResX, im.ImageResY = uint16(ppi), uint16(ppi), uint16(ppi), uint16(ppi)
	im.Data = buf.Bytes()
	im.Captured = time.Now()
	im.Quality = []fir.Quality{{Score: uint8(min(max(score, 0), 100))}}
	rec := fir.Record{Version: fir.V2011, Images: []fir.Image{im}}
	return rec.MarshalBinary()
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

// writePrint saves a print as .pgm, .png, .wsq or .fir (an ISO/IEC
// 19794-4:2011 record holding WSQ), by extension.
//
// A .fir record carries the print's quality score: score when it is known
// (0–100); with a negative score the print is assessed here.
func writePrint(path string, img *image.Gray, ppi int, bitrate float64, score int) error {
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pgm":
		err = pgm.Encode(&buf, img)
	case ".png":
		err = png.Encode(&buf, img)
	case ".wsq":
		err = wsq.Encode(&buf, img, wsq.Options{Bitrate: bitrate, PPI: ppi})
	case ".fir":
		if score < 0 {
			var r *finger.Result
			if r, err = finger.Assess(img, ppi); err != nil {
				break
			}
			score = r.Score
		}
		var rec []byte
		if rec, err = fingerRecord(img, ppi, bitrate, score); err == nil {
			buf.Write(rec)
		}
	default:
		return fmt.Errorf("%s: unknown file type (use .pgm, .png, .wsq or .fir)", path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// Prints are biometric data: readable by the owner only.
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// wsqCmd converts between WSQ and raw images.
func (c *cli) wsqCmd(args []string) error {
	if len(args) == 0 || (args[0] != "encode" && args[0] != "decode") {
		return usageError{"wsq needs encode or decode"}
	}
	op := args[0]
	var bitrate float64
	var ppi int
	var asJSON bool
	pos, err := flags("wsq "+op, args[1:], func(fs *flag.FlagSet) {
		fs.Float64Var(&bitrate, "bitrate", 0.75, "")
		fs.IntVar(&ppi, "ppi", 500, "")
		fs.BoolVar(&asJSON, "json", false, "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{"wsq " + op + " needs IN and OUT"}
	}
	in, out := pos[0], pos[1]
	if op == "encode" && !strings.EqualFold(filepath.Ext(out), ".wsq") {
		return usageError{"wsq encode writes a .wsq file"}
	}
	if op == "decode" && !strings.EqualFold(filepath.Ext(in), ".wsq") {
		return usageError{"wsq decode reads a .wsq file"}
	}
	start := time.Now()
	img, ppi, err := readPrint(in, ppi)
	if err != nil {
		return err
	}
	if err := writePrint(out, img, ppi, bitrate, -1); err != nil {
		return err
	}
	elapsed := time.Since(start)
	inSize, outSize := fileSize(in), fileSize(out)
	res := struct {
		Op           string  `json:"op"`
		Width        int     `json:"width"`
		Height       int     `json:"height"`
		PPI          int     `json:"ppi"`
		InBytes      int64   `json:"inBytes"`
		OutBytes     int64   `json:"outBytes"`
		Milliseconds float64 `json:"milliseconds"`
	}{op, img.Bounds().Dx(), img.Bounds().Dy(), ppi, inSize, outSize, ms(elapsed)}
	if asJSON {
		return c.printJSON(res)
	}
	fmt.Fprintf(c.out, "%s: %dx%d at %d ppi, %d → %d bytes in %.1f ms\n", op, res.Width, res.Height, ppi, inSize, outSize, res.Milliseconds)
	return nil
}

func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fingerReport is what quality finger and diag finger print.
type fingerReport struct {
	File         string           `json:"file,omitempty"`
	Width        int              `json:"width"`
	Height       int              `json:"height"`
	PPI          int              `json:"ppi"`
	Score        int              `json:"score"`
	Minutiae     int              `json:"minutiae"`
	Feedback     finger.Feedback  `json:"feedback"`
	Features     []finger.Feature `json:"features"`
	Milliseconds float64          `json:"milliseconds"`
}

func assessPrint(img *image.Gray, ppi int) (fingerReport, error) {
	start := time.Now()
	r, err := finger.Assess(img, ppi)
	if err != nil {
		return fingerReport{}, err
	}
	return fingerReport{
		Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), PPI: ppi,
		Score: r.Score, Minutiae: len(r.Minutiae), Feedback: r.Feedback,
		Features: r.Features.List(), Milliseconds: ms(time.Since(start)),
	}, nil
}

func (c *cli) printFingerReport(r fingerReport, verbose bool) error {
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	if r.File != "" {
		fmt.Fprintf(tw, "file\t%s\n", r.File)
	}
	fmt.Fprintf(tw, "image\t%dx%d at %d ppi\n", r.Width, r.Height, r.PPI)
	fmt.Fprintf(tw, "quality\t%d / 100\n", r.Score)
	fmt.Fprintf(tw, "minutiae\t%d\n", r.Minutiae)
	var flags []string
	if r.Feedback.Uniform {
		flags = append(flags, "uniform image")
	}
	if r.Feedback.Empty {
		flags = append(flags, "empty image or contrast too low")
	}
	if r.Feedback.TooFewMinutiae {
		flags = append(flags, "too few minutiae")
	}
	if r.Feedback.SmallForeground {
		flags = append(flags, "too little fingerprint area")
	}
	if len(flags) > 0 {
		fmt.Fprintf(tw, "problems\t%s\n", strings.Join(flags, "; "))
	}
	if verbose {
		for _, f := range r.Features {
			fmt.Fprintf(tw, "%s\t%g\n", f.Name, f.Value)
		}
	}
	fmt.Fprintf(tw, "time\t%.1f ms\n", r.Milliseconds)
	return tw.Flush()
}

// qualityFinger scores print files.
func (c *cli) qualityFinger(args []string) error {
	var asJSON, features bool
	var ppi int
	files, err := flags("quality finger", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.BoolVar(&features, "features", false, "")
		fs.IntVar(&ppi, "ppi", 500, "")
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"quality finger needs FILE..."}
	}
	var reports []fingerReport
	var errs []error
	for _, f := range files {
		img, p, err := readPrint(f, ppi)
		if err == nil {
			var r fingerReport
			if r, err = assessPrint(img, p); err == nil {
				r.File = f
				reports = append(reports, r)
				if !asJSON {
					if err := c.printFingerReport(r, features); err != nil {
						return err
					}
				}
				continue
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", f, err))
	}
	if asJSON {
		var v any = reports
		if len(files) == 1 && len(reports) == 1 {
			v = reports[0]
		}
		if err := c.printJSON(v); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}
