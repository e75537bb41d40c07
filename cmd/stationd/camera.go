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

	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/testdata/faces"
)

// componentCamera is the health component of the face camera.
const componentCamera = "devices/camera"

// faceCamera is the configured camera: how to open it (for the capture
// steps and the preview), and whether it is there now.
type faceCamera struct {
	device string // as configured, or "sim"
	driver string // v4l2, file, stream or sim
	mode   string // requested mode, e.g. 640x480@15
	path   string // the file that must exist for the camera to be present; "" when it cannot be checked
	open   camera.Opener
	health *health.Registry

	present atomic.Bool
}

var videoIndex = regexp.MustCompile(`^[0-9]+$`)

// newFaceCamera returns the configured camera, or nil when there is none.
func newFaceCamera(cfg config.Config, h *health.Registry) (*faceCamera, error) {
	c := cfg.Camera
	mode := fmt.Sprintf("%dx%d@%g", c.Width, c.Height, c.FPS)
	if cfg.Simulate.Camera {
		// A generated bona fide subject (a textured head that moves and
		// blinks), which the workflow's quality and liveness checks accept.
		fps := c.FPS
		if fps <= 0 {
			fps = 15
		}
		scene, err := camerasim.Presentation(faces.BonaFide, image.Pt(800, 600))
		if err != nil {
			return nil, fmt.Errorf("simulated camera: %w", err)
		}
		dev := camerasim.NewDevice(scene, camera.SceneOptions{FPS: fps, Loop: true})
		return &faceCamera{device: "sim", driver: "sim", mode: fmt.Sprintf("800x600@%g", fps), open: dev.Opener(), health: h}, nil
	}
	if c.Device == "" {
		return nil, nil
	}
	fc := &faceCamera{device: c.Device, mode: mode, health: h,
		open: camera.Config{Device: c.Device, Width: c.Width, Height: c.Height, FPS: c.FPS, MJPG: c.MJPG}.Opener()}
	switch {
	case videoIndex.MatchString(c.Device):
		fc.driver, fc.path = "v4l2", "/dev/video"+c.Device
	case strings.HasPrefix(c.Device, "/dev/video"):
		fc.driver, fc.path = "v4l2", c.Device
	case strings.Contains(c.Device, "://"):
		fc.driver = "stream"
	default:
		fc.driver, fc.path = "file", c.Device
	}
	return fc, nil
}

// Serve checks every interval that the camera is there, and reports it.
func (fc *faceCamera) Serve(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	first := true
	for {
		present := true
		if fc.path != "" {
			_, err := os.Stat(fc.path)
			present = err == nil
		}
		if was := fc.present.Swap(present); first || was != present {
			if present {
				fc.health.Set(componentCamera, health.OK, fmt.Sprintf("camera %s (%s)", fc.device, fc.driver))
			} else {
				fc.health.Set(componentCamera, health.Warning, fmt.Sprintf("camera %s not found: plug it in, or check camera.device", fc.device))
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
func (fc *faceCamera) apiDevices() []api.Device {
	if fc == nil || !fc.present.Load() {
		return nil
	}
	model := "camera " + fc.mode
	if fc.driver == "sim" {
		model = "simulated camera " + fc.mode
	}
	return []api.Device{{Kind: "camera", ID: "camera:" + fc.device, Driver: fc.driver, Vendor: "", Model: model, Path: fc.device}}
}
