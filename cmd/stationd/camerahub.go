package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/ui/ws"
)

// cameraHub shares one camera between the capture steps (face, document)
// and the browsers' live previews: a camera device can be opened once, so a
// single pump runs while anyone needs frames, and stops when the last user
// leaves.
type cameraHub struct {
	open camera.Opener
	id   string // the device ID of the status and the preview frames

	mu      sync.Mutex
	users   int
	cancel  context.CancelFunc
	done    chan struct{}
	latest  gocv.Mat // newest frame; empty until the first
	seq     uint64
	changed chan struct{} // closed and replaced at every new frame
	sinks   map[int]func(ws.Frame)
	nextID  int
}

func newCameraHub(open camera.Opener, id string) *cameraHub {
	return &cameraHub{open: open, id: id, latest: gocv.NewMat(), changed: make(chan struct{}), sinks: map[int]func(ws.Frame){}}
}

// acquire starts the pump for the first user.
func (h *cameraHub) acquire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.users++
	if h.users > 1 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go h.run(ctx, h.done)
}

// release stops the pump when the last user leaves.
func (h *cameraHub) release() {
	h.mu.Lock()
	h.users--
	if h.users > 0 {
		h.mu.Unlock()
		return
	}
	cancel, done := h.cancel, h.done
	h.mu.Unlock()
	cancel()
	<-done
}

// run reads the camera, keeps the newest frame and hands JPEG copies to
// the preview sinks (at most 15 a second, encoded once for all).
func (h *cameraHub) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	pump := camera.StartPump(ctx, h.open, camera.Options{})
	defer pump.Close()
	var lastPreview time.Time
	for {
		f, err := pump.Next(ctx)
		if err != nil {
			return
		}
		h.mu.Lock()
		f.Mat.CopyTo(&h.latest)
		h.seq++
		seq := h.seq
		close(h.changed)
		h.changed = make(chan struct{})
		sinks := make([]func(ws.Frame), 0, len(h.sinks))
		for _, s := range h.sinks {
			sinks = append(sinks, s)
		}
		h.mu.Unlock()
		if len(sinks) > 0 && time.Since(lastPreview) >= time.Second/15 {
			lastPreview = time.Now()
			if buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, f.Mat, []int{gocv.IMWriteJpegQuality, 70}); err == nil {
				fr := ws.Frame{Device: h.id, Seq: uint32(seq), Width: f.Mat.Cols(), Height: f.Mat.Rows(), JPEG: append([]byte(nil), buf.GetBytes()...)}
				buf.Close()
				for _, s := range sinks {
					s(fr)
				}
			}
		}
		f.Mat.Close()
	}
}

// Close releases the last frame; call it after every user left.
func (h *cameraHub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest.Close()
}

// subscribe adds a preview sink; the returned function removes it.
func (h *cameraHub) subscribe(sink func(ws.Frame)) func() {
	h.mu.Lock()
	id := h.nextID
	h.nextID++
	h.sinks[id] = sink
	h.mu.Unlock()
	h.acquire()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.sinks, id)
			h.mu.Unlock()
			h.release()
		})
	}
}

// previews implements ws.Preview for the station's cameras. The page names
// a camera by its status ID ("camera:sim", "document-camera:sim") or by
// its kind alone.
type previews []*cameraHub

func (p previews) SubscribePreview(_ context.Context, device string, sink func(ws.Frame)) (func(), error) {
	ids := make([]string, 0, len(p))
	for _, h := range p {
		kind, _, _ := strings.Cut(h.id, ":")
		if device == h.id || device == kind {
			return h.subscribe(sink), nil
		}
		ids = append(ids, h.id)
	}
	return nil, fmt.Errorf("%w: no camera %q (the station's cameras: %s)", ws.ErrUnavailable, device, strings.Join(ids, ", "))
}

// Open implements devices.FrameSource: a capture step's frames.
func (h *cameraHub) Open(context.Context) (devices.FrameStream, error) {
	h.acquire()
	h.mu.Lock()
	seen := h.seq
	h.mu.Unlock()
	return &hubStream{h: h, seen: seen}, nil
}

// hubStream gives one capture the camera's frames, each newer than
// the last it took.
type hubStream struct {
	h      *cameraHub
	seen   uint64
	closed bool
}

func (s *hubStream) Next(ctx context.Context) (gocv.Mat, error) {
	for {
		s.h.mu.Lock()
		if s.h.seq > s.seen && !s.h.latest.Empty() {
			s.seen = s.h.seq
			m := s.h.latest.Clone()
			s.h.mu.Unlock()
			return m, nil
		}
		wait := s.h.changed
		s.h.mu.Unlock()
		select {
		case <-ctx.Done():
			return gocv.NewMat(), ctx.Err()
		case <-wait:
		case <-time.After(5 * time.Second):
			return gocv.NewMat(), errors.New("camera: no frame for 5 s: check that it is connected")
		}
	}
}

func (s *hubStream) Close() error {
	if !s.closed {
		s.closed = true
		s.h.release()
	}
	return nil
}
