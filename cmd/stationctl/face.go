package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/face"
	"github.com/capturestation/station/capture/face/liveness"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/testdata/faces"
)

// printFaceReport writes a quality report as a table.
func (c *cli) printFaceReport(name string, r *face.Report, ms float64) error {
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	if name != "" {
		fmt.Fprintf(tw, "image\t%s (%dx%d)\n", name, r.Width, r.Height)
	}
	verdict := "FAIL"
	if r.Pass {
		verdict = "pass"
	}
	fmt.Fprintf(tw, "verdict\t%s, score %.0f, %d face(s)\n", verdict, r.Score, r.Faces)
	for _, m := range r.Measures {
		mark := "ok"
		if !m.Pass {
			mark = "FAIL: " + m.Advice
		}
		fmt.Fprintf(tw, "%s\t%.3g %s\t%.0f\t%s\n", m.Name, m.Value, m.Unit, m.Score, mark)
	}
	if len(r.Advice) > 0 {
		fmt.Fprintf(tw, "advice\t%s\n", r.Advice[0])
	}
	fmt.Fprintf(tw, "time\t%.1f ms\n", ms)
	return tw.Flush()
}

// qualityFace judges face photographs against the ICAO measures and can
// write the ISO/IEC 19794-5 token crop within a JPEG size budget.
func (c *cli) qualityFace(args []string) error {
	var asJSON bool
	var cascades, tokenOut string
	var budget, width int
	files, err := flags("quality face", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.StringVar(&cascades, "cascades", "", "")
		fs.StringVar(&tokenOut, "token-out", "", "")
		fs.IntVar(&budget, "budget", face.ChipBudget, "")
		fs.IntVar(&width, "token-width", face.ChipTokenWidth, "")
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"quality face needs IMAGE..."}
	}
	if tokenOut != "" && len(files) != 1 {
		return usageError{"--token-out takes one image"}
	}
	d, err := face.NewDetector(cascades)
	if err != nil {
		return err
	}
	defer d.Close()
	type result struct {
		File         string       `json:"file"`
		Report       *face.Report `json:"report"`
		Token        string       `json:"token,omitempty"`
		TokenBytes   int          `json:"tokenBytes,omitempty"`
		TokenQuality int          `json:"tokenJpegQuality,omitempty"`
		Milliseconds float64      `json:"milliseconds"`
	}
	var results []result
	var errs []error
	for _, f := range files {
		res, err := func() (result, error) {
			if st, err := os.Stat(f); err != nil {
				return result{}, err
			} else if st.Size() > maxPrintFile {
				return result{}, fmt.Errorf("%d bytes is larger than any photograph (limit %d)", st.Size(), maxPrintFile)
			}
			img := gocv.IMRead(f, gocv.IMReadColor)
			defer img.Close()
			if img.Empty() {
				return result{}, errors.New("not a readable JPEG or PNG image")
			}
			start := time.Now()
			r, err := d.Assess(img, face.Options{})
			if err != nil {
				return result{}, err
			}
			res := result{File: f, Report: r, Milliseconds: ms(time.Since(start))}
			if tokenOut != "" {
				if r.Face == nil {
					return res, errors.New("no face found: no token crop")
				}
				tok, err := face.TokenCrop(img, *r.Face, width)
				if err != nil {
					return res, err
				}
				defer tok.Close()
				b, q, err := face.EncodeJPEG(tok, budget)
				if err != nil {
					return res, err
				}
				if err := os.WriteFile(tokenOut, b, 0o600); err != nil {
					return res, err
				}
				res.Token, res.TokenBytes, res.TokenQuality = tokenOut, len(b), q
			}
			return res, nil
		}()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		results = append(results, res)
		if !asJSON {
			if err := c.printFaceReport(f, res.Report, res.Milliseconds); err != nil {
				return err
			}
			if res.Token != "" {
				fmt.Fprintf(c.out, "token crop written to %s: %d bytes at JPEG quality %d\n", res.Token, res.TokenBytes, res.TokenQuality)
			}
		}
	}
	if asJSON {
		var v any = results
		if len(files) == 1 && len(results) == 1 {
			v = results[0]
		}
		if err := c.printJSON(v); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// diagCamera reads frames from a camera through the frame pump, judges
// each and reports the rate, drops, reconnects and when auto-capture
// would fire. "sim" plays the simulated enrollment scene.
func (c *cli) diagCamera(ctx context.Context, args []string) error {
	var device, cascades string
	var frames, width, height, need int
	var fps float64
	var asJSON, mjpg, live bool
	if _, err := flags("diag camera", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&live, "liveness", false, "")
		fs.StringVar(&device, "device", "", "")
		fs.StringVar(&cascades, "cascades", "", "")
		fs.IntVar(&frames, "frames", 50, "")
		fs.IntVar(&width, "width", 640, "")
		fs.IntVar(&height, "height", 480, "")
		fs.Float64Var(&fps, "fps", 15, "")
		fs.BoolVar(&mjpg, "mjpg", false, "")
		fs.IntVar(&need, "need", face.DefaultNeed, "")
		fs.BoolVar(&asJSON, "json", false, "")
	}); err != nil {
		return err
	}
	if device == "" {
		return usageError{"diag camera needs --device (0, /dev/video0, a file, a URL, or sim)"}
	}
	if frames < 1 || frames > 100000 {
		return usageError{"--frames must be from 1 to 100000"}
	}
	var open camera.Opener
	if kind, ok := strings.CutPrefix(device, "sim:"); ok {
		// A generated presentation: bona-fide, print, screen-replay or
		// cut-out-eyes.
		scene, err := padScene(kind, width, height)
		if err != nil {
			return err
		}
		open = camerasim.NewDevice(scene, camera.SceneOptions{FPS: fps, Loop: true}).Opener()
	} else if device == "sim" {
		scene, err := camerasim.NewFaceScene(image.Pt(width, height), camerasim.EnrolmentScript(fps)...)
		if err != nil {
			return err
		}
		open = camerasim.NewDevice(scene, camera.SceneOptions{FPS: fps, Loop: true}).Opener()
	} else {
		open = camera.Config{Device: device, Width: width, Height: height, FPS: fps, MJPG: mjpg}.Opener()
	}
	d, err := face.NewDetector(cascades)
	if err != nil {
		return err
	}
	defer d.Close()
	var (
		mu     sync.Mutex
		events []string
	)
	pump := camera.StartPump(ctx, open, camera.Options{OnEvent: func(e camera.Event) {
		s := e.State.String()
		if e.Err != nil {
			s += " (" + e.Err.Error() + ")"
		}
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}})
	defer pump.Close()
	auto := face.NewAutoCapture(need)
	defer auto.Close()
	var session *liveness.Session
	if live {
		a, err := liveness.New(liveness.Options{CascadeDir: cascades})
		if err != nil {
			return err
		}
		defer a.Close()
		session = a.NewSession(liveness.ChallengeNone)
		defer session.Close()
	}
	type out struct {
		Device       string            `json:"device"`
		Frames       int               `json:"frames"`
		Passed       int               `json:"passed"`
		FirstAdvice  map[string]int    `json:"advice"`
		AutoCapture  *int              `json:"autoCaptureFrame,omitempty"`
		CaptureScore float64           `json:"autoCaptureScore,omitempty"`
		Stats        camera.Stats      `json:"camera"`
		AssessMs     float64           `json:"assessMsPerFrame"`
		Liveness     *liveness.Verdict `json:"liveness,omitempty"`
	}
	res := out{Device: device, FirstAdvice: map[string]int{}}
	var assess time.Duration
	for res.Frames < frames {
		f, err := pump.Next(ctx)
		if err != nil {
			return fmt.Errorf("camera %s after %d frames: %w", device, res.Frames, err)
		}
		start := time.Now()
		r, err := d.Assess(f.Mat, face.Options{})
		assess += time.Since(start)
		if err != nil {
			f.Mat.Close()
			return err
		}
		res.Frames++
		if r.Pass {
			res.Passed++
		} else if len(r.Advice) > 0 {
			res.FirstAdvice[r.Advice[0]]++
		}
		if session != nil {
			if err := session.AddMat(ctx, f.Mat); err != nil {
				f.Mat.Close()
				return err
			}
		}
		if cap := auto.Offer(f.Mat, r); cap != nil && res.AutoCapture == nil {
			n := res.Frames
			res.AutoCapture, res.CaptureScore = &n, cap.Report.Score
			cap.Frame.Close()
		}
		f.Mat.Close()
	}
	res.Stats = pump.Stats()
	res.AssessMs = ms(assess) / float64(res.Frames)
	if session != nil {
		if res.Liveness, err = session.Verdict(); err != nil {
			return err
		}
	}
	if asJSON {
		return c.printJSON(res)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "camera\t%s: %.1f fps read, %d frames, %d dropped, %d reconnects\n", device, res.Stats.FPS, res.Stats.Frames, res.Stats.Dropped, res.Stats.Reconnects)
	fmt.Fprintf(tw, "judged\t%d frames, %d passed every check, %.1f ms each\n", res.Frames, res.Passed, res.AssessMs)
	for a, n := range res.FirstAdvice {
		fmt.Fprintf(tw, "advice\t%d× %s\n", n, a)
	}
	if res.AutoCapture != nil {
		fmt.Fprintf(tw, "auto-capture\tfired at frame %d (score %.0f)\n", *res.AutoCapture, res.CaptureScore)
	} else {
		fmt.Fprintf(tw, "auto-capture\tdid not fire (needs %d passing frames in a row)\n", need)
	}
	if v := res.Liveness; v != nil {
		verdict := "ATTACK SUSPECTED"
		if v.Live {
			verdict = "live"
		}
		fmt.Fprintf(tw, "liveness\t%s (score %.2f) %s\n", verdict, v.Score, strings.Join(v.Reasons, "; "))
	}
	mu.Lock()
	if len(events) > 0 {
		fmt.Fprintf(tw, "events\t%s\n", strings.Join(events, ", "))
	}
	mu.Unlock()
	return tw.Flush()
}

// padScene plays a generated presentation sequence as a camera scene.
func padScene(kind string, width, height int) (camera.Scene, error) {
	for _, l := range faces.Labels() {
		if l.String() != kind {
			continue
		}
		return camerasim.Presentation(l, image.Pt(width, height))
	}
	var names []string
	for _, l := range faces.Labels() {
		names = append(names, "sim:"+l.String())
	}
	return nil, usageError{fmt.Sprintf("unknown simulated scene %q: use sim or one of %s", kind, strings.Join(names, ", "))}
}
