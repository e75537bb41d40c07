package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/face/liveness"
)

// livenessCmd judges a recorded clip (a video file, or a folder of frames
// in name order) for presentation attacks.
func (c *cli) livenessCmd(ctx context.Context, args []string) error {
	var asJSON bool
	var challenge, model, cascades string
	var maxFrames int
	pos, err := flags("liveness", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.StringVar(&challenge, "challenge", "none", "")
		fs.StringVar(&model, "model", "", "")
		fs.StringVar(&cascades, "cascades", "", "")
		fs.IntVar(&maxFrames, "max-frames", 300, "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"liveness needs one VIDEO file or FRAMES_DIR"}
	}
	ch, err := liveness.ParseChallenge(challenge)
	if err != nil {
		return usageError{err.Error()}
	}
	if maxFrames < 2 || maxFrames > 10000 {
		return usageError{"--max-frames must be from 2 to 10000"}
	}
	a, err := liveness.New(liveness.Options{CascadeDir: cascades, ModelPath: model})
	if err != nil {
		return err
	}
	defer a.Close()
	s := a.NewSession(ch)
	defer s.Close()
	start := time.Now()
	frames, err := feedClip(ctx, pos[0], maxFrames, s)
	if err != nil {
		return err
	}
	v, err := s.Verdict()
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	elapsed := ms(time.Since(start))
	if asJSON {
		return c.printJSON(struct {
			Clip         string            `json:"clip"`
			Verdict      *liveness.Verdict `json:"verdict"`
			Milliseconds float64           `json:"milliseconds"`
		}{pos[0], v, elapsed})
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	verdict := "ATTACK SUSPECTED"
	if v.Live {
		verdict = "live"
	}
	fmt.Fprintf(tw, "clip\t%s, %d frames\n", pos[0], frames)
	fmt.Fprintf(tw, "verdict\t%s (score %.2f, challenge %s: %v)\n", verdict, v.Score, v.Challenge, v.ChallengePassed)
	for _, r := range v.Reasons {
		fmt.Fprintf(tw, "reason\t%s\n", r)
	}
	names := make([]string, 0, len(v.Cues))
	for n := range v.Cues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%.3g (attack evidence %.2f)\n", n, v.Cues[n], v.Evidence[n])
	}
	fmt.Fprintf(tw, "time\t%.0f ms\n", elapsed)
	return tw.Flush()
}

// feedClip gives the session the frames of a video file or of the images
// in a folder, at most max of them, and returns how many it gave.
func feedClip(ctx context.Context, path string, max int, s *liveness.Session) (int, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return 0, err
		}
		var files []string
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".png", ".jpg", ".jpeg":
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) < 2 {
			return 0, fmt.Errorf("%s: needs at least two .png or .jpg frames", path)
		}
		for _, f := range files[:min(len(files), max)] {
			img := gocv.IMRead(f, gocv.IMReadColor)
			if img.Empty() {
				img.Close()
				return n, fmt.Errorf("%s: not a readable image", f)
			}
			err := s.AddMat(ctx, img)
			img.Close()
			if err != nil {
				return n, fmt.Errorf("%s: %w", f, err)
			}
			n++
		}
		return n, nil
	}
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		return 0, fmt.Errorf("%s: not a readable video: %w", path, err)
	}
	defer vc.Close()
	for n < max && vc.Read(&m) && !m.Empty() {
		if err := s.AddMat(ctx, m); err != nil {
			return n, fmt.Errorf("%s frame %d: %w", path, n+1, err)
		}
		n++
	}
	if n < 2 {
		return n, fmt.Errorf("%s: fewer than two frames could be read", path)
	}
	return n, nil
}
