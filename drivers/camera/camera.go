package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gocv.io/x/gocv"
)

// Source is a camera as the station sees it: something that delivers BGR
// frames. The gocv implementation reads a V4L2 device, a video file or a
// stream URL; SceneSource plays a generated Scene. A Source is used by one
// goroutine at a time.
type Source interface {
	// Read blocks until the next frame is available and stores it in dst
	// (8-bit BGR). An error means the source is gone (unplugged, end of
	// file, stream dropped); the caller closes it and opens it again.
	Read(ctx context.Context, dst *gocv.Mat) error
	// Close releases the source.
	Close() error
}

// Opener opens a Source; the Pump calls it again to reconnect.
type Opener func(ctx context.Context) (Source, error)

// ErrUnplugged is returned by Read when the camera stopped delivering
// frames (unplugged, or the stream ended).
var ErrUnplugged = errors.New("camera: no frame (unplugged or stream ended)")

// Config says which camera to open and how.
type Config struct {
	// Device is a device index ("0"), a V4L2 device ("/dev/video2"), a
	// video file, or a stream URL (rtsp://, http://).
	Device string
	// Width, Height and FPS ask the camera for a mode (0: its default);
	// the camera may choose the nearest mode it has.
	Width, Height int
	FPS           float64
	// MJPG asks for Motion-JPEG, which USB cameras need for high
	// resolutions at full frame rate.
	MJPG bool
	// Loop restarts a video file at its end instead of reporting
	// ErrUnplugged.
	Loop bool
	// RealTime paces a video file at its frame rate (cameras and streams
	// pace themselves).
	RealTime bool
}

var devVideo = regexp.MustCompile(`^/dev/video([0-9]+)$`)

// Opener returns an Opener for the configuration.
func (c Config) Opener() Opener {
	return func(ctx context.Context) (Source, error) { return Open(ctx, c) }
}

// gocvSource reads frames with OpenCV's VideoCapture.
type gocvSource struct {
	vc   *gocv.VideoCapture
	cfg  Config
	file bool
	pace pacer
}

// Open opens the camera described by cfg with OpenCV (V4L2 for devices).
func Open(ctx context.Context, cfg Config) (Source, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dev := strings.TrimSpace(cfg.Device)
	if dev == "" {
		return nil, errors.New("camera: no device configured (give an index, /dev/videoN, a file or a URL)")
	}
	var (
		vc   *gocv.VideoCapture
		err  error
		file bool
	)
	if n, e := strconv.Atoi(dev); e == nil {
		vc, err = gocv.VideoCaptureDeviceWithAPI(n, gocv.VideoCaptureV4L2)
	} else if m := devVideo.FindStringSubmatch(dev); m != nil {
		n, _ := strconv.Atoi(m[1])
		vc, err = gocv.VideoCaptureDeviceWithAPI(n, gocv.VideoCaptureV4L2)
	} else {
		if !strings.Contains(dev, "://") {
			if _, e := os.Stat(dev); e != nil {
				return nil, fmt.Errorf("camera: %w", e)
			}
			file = true
		}
		vc, err = gocv.VideoCaptureFile(dev)
	}
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w (check that it is plugged in and that this user may use it, e.g. group video)", dev, err)
	}
	if !vc.IsOpened() {
		vc.Close()
		return nil, fmt.Errorf("camera: open %s: OpenCV could not open it (check that it is plugged in and that this user may use it, e.g. group video)", dev)
	}
	if !file {
		if cfg.MJPG {
			vc.Set(gocv.VideoCaptureFOURCC, vc.ToCodec("MJPG"))
		}
		if cfg.Width > 0 && cfg.Height > 0 {
			vc.Set(gocv.VideoCaptureFrameWidth, float64(cfg.Width))
			vc.Set(gocv.VideoCaptureFrameHeight, float64(cfg.Height))
		}
		if cfg.FPS > 0 {
			vc.Set(gocv.VideoCaptureFPS, cfg.FPS)
		}
		// Keep the driver's queue short: the pump wants the newest frame.
		vc.Set(gocv.VideoCaptureBufferSize, 1)
	}
	s := &gocvSource{vc: vc, cfg: cfg, file: file}
	if file && cfg.RealTime {
		fps := vc.Get(gocv.VideoCaptureFPS)
		if fps <= 0 || fps > 240 {
			fps = 25
		}
		s.pace.period = time.Duration(float64(time.Second) / fps)
	}
	return s, nil
}

// Mode reports the frame size and rate the camera actually delivers.
func Mode(s Source) (size image.Point, fps float64, ok bool) {
	g, ok := s.(*gocvSource)
	if !ok {
		return image.Point{}, 0, false
	}
	return image.Pt(int(g.vc.Get(gocv.VideoCaptureFrameWidth)), int(g.vc.Get(gocv.VideoCaptureFrameHeight))), g.vc.Get(gocv.VideoCaptureFPS), true
}

func (s *gocvSource) Read(ctx context.Context, dst *gocv.Mat) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.pace.wait(ctx); err != nil {
		return err
	}
	if s.vc.Read(dst) && !dst.Empty() {
		return nil
	}
	if s.file && s.cfg.Loop {
		s.vc.Set(gocv.VideoCapturePosFrames, 0)
		if s.vc.Read(dst) && !dst.Empty() {
			return nil
		}
	}
	return ErrUnplugged
}

func (s *gocvSource) Close() error { return s.vc.Close() }

// pacer spaces reads one period apart (not at all when the period is 0);
// after a stall it starts again from now rather than catching up.
type pacer struct {
	period time.Duration
	next   time.Time
}

// wait blocks until the next read is due, or ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	if p.period <= 0 {
		return nil
	}
	if err := sleepUntil(ctx, p.next); err != nil {
		return err
	}
	now := time.Now()
	if p.next.IsZero() || now.Sub(p.next) > p.period {
		p.next = now
	}
	p.next = p.next.Add(p.period)
	return nil
}

// sleepUntil waits until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
