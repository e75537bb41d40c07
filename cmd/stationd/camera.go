package main

import (
	"context"
	"fmt"
	"image"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/testdata/faces"
	"github.com/capturestation/station/internal/testdata/mrzpages"
)

// The station's cameras: the status kind, the first part of the device ID
// and of the health component ("devices/<kind>").
const (
	kindCamera         = "camera"
	kindDocumentCamera = "document-camera"
)

// shareFaceCamera is the document_camera.device that films documents with
// the face camera.
const shareFaceCamera = "camera"

// stationCamera is a configured camera: how to open it (for the capture
// steps and the preview), and whether it is there now.
type stationCamera struct {
	kind    string // kindCamera or kindDocumentCamera
	section string // its configuration section, for messages
	device  string // as configured, or "sim"
	driver  string // v4l2, file, stream or sim
	mode    string // requested mode, e.g. 640x480@15
	path    string // the file that must exist for the camera to be present; "" when it cannot be checked
	open    camera.Opener
	health  *health.Registry

	present atomic.Bool
}

var videoIndex = regexp.MustCompile(`^[0-9]+$`)

// newFaceCamera returns the configured face camera, or nil when there is none.
func newFaceCamera(cfg config.Config, h *health.Registry) (*stationCamera, error) {
	if cfg.Simulate.Camera {
		// A generated bona fide subject (a textured head that moves and
		// blinks), which the workflow's quality and liveness checks accept.
		fps := simFPS(cfg.Camera)
		scene, err := camerasim.Presentation(faces.BonaFide, image.Pt(800, 600))
		if err != nil {
			return nil, fmt.Errorf("simulated camera: %w", err)
		}
		dev := camerasim.NewDevice(scene, camera.SceneOptions{FPS: fps, Loop: true})
		return simulatedCamera(kindCamera, "camera", fmt.Sprintf("800x600@%g", fps), dev, h), nil
	}
	return configuredCamera(kindCamera, "camera", cfg.Camera, h), nil
}

// newDocumentCamera returns the configured document camera, or nil when
// there is none or when the face camera films documents too (shared). The
// simulated one's scene is released by closeScene.
func newDocumentCamera(cfg config.Config, h *health.Registry) (cam *stationCamera, shared bool, closeScene func() error, err error) {
	if cfg.Simulate.DocumentCamera {
		fps := simFPS(cfg.DocumentCamera)
		g, err := mrzpages.New()
		if err != nil {
			return nil, false, nil, fmt.Errorf("simulated document camera: %w", err)
		}
		page, err := g.DataPage(1, mrz.SplitLines(SimulatedMRZ))
		if err != nil {
			return nil, false, nil, fmt.Errorf("simulated document camera: %w", err)
		}
		scene, err := camerasim.NewDocumentScene(page, image.Pt(1280, 960), fps)
		if err != nil {
			return nil, false, nil, fmt.Errorf("simulated document camera: %w", err)
		}
		dev := camerasim.NewDevice(scene, camera.SceneOptions{FPS: fps, Loop: true})
		return simulatedCamera(kindDocumentCamera, "document_camera", fmt.Sprintf("1280x960@%g", fps), dev, h), false, scene.Close, nil
	}
	if cfg.DocumentCamera.Device == shareFaceCamera {
		return nil, true, nil, nil
	}
	return configuredCamera(kindDocumentCamera, "document_camera", cfg.DocumentCamera, h), false, nil, nil
}

// simFPS is the simulated cameras' frame rate: the configured one, or 15.
func simFPS(c config.Camera) float64 {
	if c.FPS > 0 {
		return c.FPS
	}
	return 15
}

func simulatedCamera(kind, section, mode string, dev *camerasim.Device, h *health.Registry) *stationCamera {
	return &stationCamera{kind: kind, section: section, device: "sim", driver: "sim", mode: mode, open: dev.Opener(), health: h}
}

// configuredCamera returns the camera of a configuration section, or nil
// when its device is empty.
func configuredCamera(kind, section string, c config.Camera, h *health.Registry) *stationCamera {
	if c.Device == "" {
		return nil
	}
	sc := &stationCamera{kind: kind, section: section, device: c.Device, mode: fmt.Sprintf("%dx%d@%g", c.Width, c.Height, c.FPS), health: h,
		open: camera.Config{Device: c.Device, Width: c.Width, Height: c.Height, FPS: c.FPS, MJPG: c.MJPG}.Opener()}
	switch {
	case videoIndex.MatchString(c.Device):
		sc.driver, sc.path = "v4l2", "/dev/video"+c.Device
	case strings.HasPrefix(c.Device, "/dev/video"):
		sc.driver, sc.path = "v4l2", c.Device
	case strings.Contains(c.Device, "://"):
		sc.driver = "stream"
	default:
		sc.driver, sc.path = "file", c.Device
	}
	return sc
}

// id is the camera's device ID in the status and the preview commands.
func (sc *stationCamera) id() string { return sc.kind + ":" + sc.device }

// component is the camera's health component.
func (sc *stationCamera) component() string { return "devices/" + sc.kind }

// Serve checks every interval that the camera is there, and reports it.
func (sc *stationCamera) Serve(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	first := true
	for {
		present := true
		if sc.path != "" {
			_, err := os.Stat(sc.path)
			present = err == nil
		}
		if was := sc.present.Swap(present); first || was != present {
			if present {
				sc.health.Set(sc.component(), health.OK, fmt.Sprintf("%s %s (%s)", sc.kind, sc.device, sc.driver))
			} else {
				sc.health.Set(sc.component(), health.Warning, fmt.Sprintf("%s %s not found: plug it in, or check %s.device", sc.kind, sc.device, sc.section))
			}
			first = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// apiDevices lists the camera for the status page when it is present.
func (sc *stationCamera) apiDevices() []api.Device {
	if sc == nil || !sc.present.Load() {
		return nil
	}
	model := sc.kind + " " + sc.mode
	if sc.driver == "sim" {
		model = "simulated " + model
	}
	return []api.Device{{Kind: sc.kind, ID: sc.id(), Driver: sc.driver, Model: model, Path: sc.device}}
}
