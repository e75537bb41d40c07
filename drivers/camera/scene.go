package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// Scene is a generated video for the camera simulator: Len frames, each
// rendered on demand. Render draws frame i (0 ≤ i < Len) into dst as an
// 8-bit BGR image of Size, reusing dst's memory when it already has that
// size and type. Implementations pre-render what they can so that Render
// keeps up with the frame rate; a Scene is rendered by one goroutine at a
// time. ImageScene adapts a generator of Go images.
type Scene interface {
	Len() int
	Size() image.Point
	Render(i int, dst *gocv.Mat) error
}

// ImageScene adapts a function producing Go images to a Scene (each frame
// is converted to BGR; RGBA, NRGBA and grey images take fast paths).
func ImageScene(n int, size image.Point, frame func(i int) image.Image) Scene {
	return imageScene{n: n, size: size, frame: frame}
}

type imageScene struct {
	n     int
	size  image.Point
	frame func(int) image.Image
}

func (s imageScene) Len() int          { return s.n }
func (s imageScene) Size() image.Point { return s.size }
func (s imageScene) Render(i int, dst *gocv.Mat) error {
	return ImageToMat(s.frame(i), dst)
}

// ImageToMat converts a Go image into dst as 8-bit BGR, reusing dst when it
// has the right size. RGBA, NRGBA and grey images take fast paths.
func ImageToMat(img image.Image, dst *gocv.Mat) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return errors.New("camera: empty image")
	}
	if dst.Rows() != h || dst.Cols() != w || dst.Type() != gocv.MatTypeCV8UC3 {
		dst.Close()
		*dst = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	}
	out, err := dst.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("camera: frame buffer: %w", err)
	}
	switch src := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			o := out[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				o[3*x], o[3*x+1], o[3*x+2] = row[4*x+2], row[4*x+1], row[4*x]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			o := out[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				a := uint32(row[4*x+3])
				o[3*x] = uint8(uint32(row[4*x+2]) * a / 255)
				o[3*x+1] = uint8(uint32(row[4*x+1]) * a / 255)
				o[3*x+2] = uint8(uint32(row[4*x]) * a / 255)
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			o := out[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				o[3*x], o[3*x+1], o[3*x+2] = row[x], row[x], row[x]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				out[i], out[i+1], out[i+2] = uint8(bb>>8), uint8(g>>8), uint8(r>>8)
				i += 3
			}
		}
	}
	return nil
}

// SceneSource plays a Scene as a Source.
type SceneSource struct {
	scene Scene
	pace  pacer
	loop  bool
	i     int
	// failAfter > 0 makes Read fail with ErrUnplugged after that many
	// frames.
	failAfter int
	n         int
	mu        sync.Mutex
	closed    bool
}

// SceneOptions tune a SceneSource.
type SceneOptions struct {
	// FPS paces the frames (0: as fast as they render, for tests).
	FPS float64
	// Loop plays the scene again at its end; otherwise Read reports
	// ErrUnplugged there.
	Loop bool
	// Start is the first frame played.
	Start int
	// FailAfter, when positive, makes Read fail with ErrUnplugged after
	// that many frames, as an unplugged camera does.
	FailAfter int
}

// NewSceneSource returns a Source playing scene.
func NewSceneSource(scene Scene, opt SceneOptions) *SceneSource {
	s := &SceneSource{scene: scene, loop: opt.Loop, i: opt.Start, failAfter: opt.FailAfter}
	if opt.FPS > 0 {
		s.pace.period = time.Duration(float64(time.Second) / opt.FPS)
	}
	return s
}

// Position is the index of the next frame to be played.
func (s *SceneSource) Position() int { return s.i }

// Read renders the next frame, waiting for its time when paced.
func (s *SceneSource) Read(ctx context.Context, dst *gocv.Mat) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("camera: scene source closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.failAfter > 0 && s.n >= s.failAfter {
		return ErrUnplugged
	}
	n := s.scene.Len()
	if s.i >= n {
		if !s.loop || n == 0 {
			return ErrUnplugged
		}
		s.i = 0
	}
	if err := s.pace.wait(ctx); err != nil {
		return err
	}
	if err := s.scene.Render(s.i, dst); err != nil {
		return fmt.Errorf("camera: scene frame %d: %w", s.i, err)
	}
	s.i++
	s.n++
	return nil
}

// Close ends the source.
func (s *SceneSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
