package devices

import (
	"context"
	"fmt"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
)

// FrameSource opens a stream of camera frames for one face attempt.
type FrameSource interface {
	Open(ctx context.Context) (FrameStream, error)
}

// FrameStream delivers frames; the caller closes each Mat.
type FrameStream interface {
	Next(ctx context.Context) (gocv.Mat, error)
	Close() error
}

// nextFrame reads the next frame of a capture that has judged seen frames.
// ok is false when the camera stopped after giving some (the capture then
// judges what it saw); the error is the context's, or the camera's when it
// gave nothing at all.
func nextFrame(ctx context.Context, s FrameStream, seen int) (m gocv.Mat, ok bool, err error) {
	m, err = s.Next(ctx)
	switch {
	case err == nil:
		return m, true, nil
	case ctx.Err() != nil:
		return m, false, ctx.Err()
	case seen == 0:
		return m, false, fmt.Errorf("camera: %w", err)
	}
	return m, false, nil
}

// Pumped reads the camera through a frame pump (camera.StartPump): each Next
// returns the newest frame, skipping those the judge was too slow for. Use it
// for real cameras.
func Pumped(open camera.Opener, opt camera.Options) FrameSource { return pumped{open, opt} }

type pumped struct {
	open camera.Opener
	opt  camera.Options
}

func (p pumped) Open(ctx context.Context) (FrameStream, error) {
	return &pumpStream{pump: camera.StartPump(ctx, p.open, p.opt)}, nil
}

type pumpStream struct{ pump *camera.Pump }

func (s *pumpStream) Next(ctx context.Context) (gocv.Mat, error) {
	f, err := s.pump.Next(ctx)
	if err != nil {
		return gocv.Mat{}, err
	}
	return f.Mat, nil
}

func (s *pumpStream) Close() error { return s.pump.Close() }

// Sequential reads every frame of the source in order, without a pump: the
// same frames in the same order on every run. Use it for simulated cameras
// and tests.
func Sequential(open camera.Opener) FrameSource { return sequential{open} }

type sequential struct{ open camera.Opener }

func (q sequential) Open(ctx context.Context) (FrameStream, error) {
	src, err := q.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open camera: %w", err)
	}
	return &seqStream{src: src}, nil
}

type seqStream struct{ src camera.Source }

func (s *seqStream) Next(ctx context.Context) (gocv.Mat, error) {
	m := gocv.NewMat()
	if err := s.src.Read(ctx, &m); err != nil {
		m.Close()
		return gocv.Mat{}, err
	}
	return m, nil
}

func (s *seqStream) Close() error { return s.src.Close() }
