package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/capture/mrz/ocr"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/testdata/mrzpages"
)

// specimenTD3 is the MRZ of the ICAO 9303 part 4 specimen passport, which
// the simulated document camera of diag mrz --camera sim films.
var specimenTD3 = []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}

// cameraFlags are the camera options of diag mrz.
type cameraFlags struct {
	device        string
	width, height int
	fps, seconds  float64
	mjpg          bool
}

func (f *cameraFlags) define(fs *flag.FlagSet, width, height int) {
	fs.StringVar(&f.device, "camera", "", "")
	fs.IntVar(&f.width, "width", width, "")
	fs.IntVar(&f.height, "height", height, "")
	fs.Float64Var(&f.fps, "fps", 15, "")
	fs.BoolVar(&f.mjpg, "mjpg", false, "")
}

// opener opens the camera, or for "sim" a simulated document camera
// filming the specimen passport; the returned function releases the scene.
func (f cameraFlags) opener() (camera.Opener, func() error, error) {
	if f.device != "sim" {
		return camera.Config{Device: f.device, Width: f.width, Height: f.height, FPS: f.fps, MJPG: f.mjpg}.Opener(), func() error { return nil }, nil
	}
	g, err := mrzpages.New()
	if err != nil {
		return nil, nil, err
	}
	page, err := g.DataPage(1, specimenTD3)
	if err != nil {
		return nil, nil, err
	}
	scene, err := camerasim.NewDocumentScene(page, image.Pt(f.width, f.height), f.fps)
	if err != nil {
		return nil, nil, err
	}
	return camerasim.NewDevice(scene, camera.SceneOptions{FPS: f.fps, Loop: true}).Opener(), scene.Close, nil
}

// diagMRZCamera reads the MRZ of the document under a camera the way the
// wizard's document step does, printing what each frame showed.
func (c *cli) diagMRZCamera(ctx context.Context, f cameraFlags, asJSON bool) error {
	if f.seconds <= 0 || f.seconds > 600 {
		return usageError{"--seconds must be above 0 and at most 600"}
	}
	if f.fps <= 0 || f.fps > 120 || f.width < 64 || f.height < 64 {
		return usageError{"--width and --height must be at least 64, --fps above 0 and at most 120"}
	}
	open, closeScene, err := f.opener()
	if err != nil {
		return err
	}
	defer closeScene()
	r, err := ocr.NewReader()
	if err != nil {
		return err
	}
	type report struct {
		Camera       string         `json:"camera"`
		Frames       int            `json:"frames"`
		Advice       map[string]int `json:"advice"`
		Lines        []string       `json:"lines,omitempty"`
		Valid        bool           `json:"valid"`
		MRZ          *mrz.MRZ       `json:"mrz,omitempty"`
		Confidence   float64        `json:"confidence"`
		Milliseconds float64        `json:"milliseconds"`
		Error        string         `json:"error,omitempty"`
	}
	rep := report{Camera: f.device, Advice: map[string]int{}}
	var tw *tabwriter.Writer
	if !asJSON {
		tw = tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	}
	last := ""
	progress := func(fr workflow.DocumentFrame) {
		rep.Frames = fr.Frame
		rep.Advice[fr.Advice]++
		if tw != nil && fr.Advice != last {
			fmt.Fprintf(tw, "frame %d\t%s\tconfidence %.2f\n", fr.Frame, fr.Advice, fr.Confidence)
			tw.Flush()
		}
		last = fr.Advice
	}
	start := time.Now()
	reader := &devices.Document{Frames: devices.Pumped(open, camera.Options{}), Reader: r, Device: f.device,
		MaxTime: time.Duration(f.seconds * float64(time.Second))}
	scan, err := reader.ReadDocument(ctx, progress)
	rep.Milliseconds = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		rep.Error = err.Error()
	} else {
		rep.Lines, rep.Confidence = scan.Lines, scan.Confidence
		m, perr := mrz.ParseLines(scan.Lines, mrz.Options{Repair: true})
		rep.MRZ, rep.Valid = m, m != nil && m.Valid
		if perr != nil {
			rep.Error = perr.Error()
		}
	}
	if asJSON {
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else {
		advice := make([]string, 0, len(rep.Advice))
		for a := range rep.Advice {
			advice = append(advice, a)
		}
		sort.Strings(advice)
		for _, a := range advice {
			fmt.Fprintf(tw, "frames\t%d× %s\n", rep.Advice[a], a)
		}
		for i, l := range rep.Lines {
			fmt.Fprintf(tw, "line %d\t%s\n", i+1, l)
		}
		fmt.Fprintf(tw, "valid\t%v\n", rep.Valid)
		if m := rep.MRZ; m != nil {
			printHolder(tw, m)
		}
		fmt.Fprintf(tw, "confidence\t%.2f\n", rep.Confidence)
		fmt.Fprintf(tw, "time\t%.0f ms, %d frames\n", rep.Milliseconds, rep.Frames)
		if rep.Error != "" {
			fmt.Fprintf(tw, "error\t%s\n", rep.Error)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	switch {
	case err != nil:
		return err
	case !rep.Valid:
		return errors.New("the MRZ read on the camera is not valid")
	}
	return nil
}
