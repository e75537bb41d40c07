package camerasim

import (
	"context"
	"errors"
	"sync"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
)

// ErrNoDevice is what opening an unplugged simulated camera returns.
var ErrNoDevice = errors.New("camerasim: no such device (unplugged)")

// Device is a simulated camera that plays a scene and can be unplugged and
// plugged in again, to exercise reconnection. Frames continue where they
// stopped after a reconnection. It is safe for concurrent use.
type Device struct {
	scene camera.Scene
	opt   camera.SceneOptions

	mu      sync.Mutex
	plugged bool
	gen     int
	pos     int
	opens   int
}

// NewDevice returns a plugged-in simulated camera playing scene (opt.Loop,
// opt.FPS and opt.Start apply; opt.FailAfter applies to every connection).
func NewDevice(scene camera.Scene, opt camera.SceneOptions) *Device {
	return &Device{scene: scene, opt: opt, plugged: true, pos: opt.Start}
}

// Unplug makes reads and opens fail until Plug.
func (d *Device) Unplug() {
	d.mu.Lock()
	d.plugged = false
	d.gen++
	d.mu.Unlock()
}

// Plug plugs the camera in again.
func (d *Device) Plug() {
	d.mu.Lock()
	d.plugged = true
	d.mu.Unlock()
}

// Opens counts the successful opens.
func (d *Device) Opens() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opens
}

// Opener returns the camera.Opener of the device.
func (d *Device) Opener() camera.Opener {
	return func(ctx context.Context) (camera.Source, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.plugged {
			return nil, ErrNoDevice
		}
		d.opens++
		opt := d.opt
		opt.Start = d.pos
		if n := d.scene.Len(); n > 0 && opt.Start >= n && opt.Loop {
			opt.Start = 0
		}
		return &deviceSource{d: d, gen: d.gen, src: camera.NewSceneSource(d.scene, opt)}, nil
	}
}

type deviceSource struct {
	d   *Device
	gen int
	src *camera.SceneSource
}

func (s *deviceSource) Read(ctx context.Context, dst *gocv.Mat) error {
	s.d.mu.Lock()
	ok := s.d.plugged && s.d.gen == s.gen
	s.d.mu.Unlock()
	if !ok {
		return camera.ErrUnplugged
	}
	if err := s.src.Read(ctx, dst); err != nil {
		return err
	}
	s.d.mu.Lock()
	s.d.pos = s.src.Position()
	s.d.mu.Unlock()
	return nil
}

func (s *deviceSource) Close() error { return s.src.Close() }
