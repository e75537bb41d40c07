package camera_test

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
)

// scene is a short simulated scene.
func scene(t *testing.T, frames int) *camerasim.FaceScene {
	t.Helper()
	sc, err := camerasim.NewFaceScene(image.Pt(160, 120), camerasim.Hold(frames, camerasim.Good))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc
}

// recorder collects pump events.
type recorder struct {
	mu  sync.Mutex
	evs []camera.Event
	ch  chan camera.Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan camera.Event, 64)} }

func (r *recorder) on(e camera.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	select {
	case r.ch <- e:
	default:
	}
}

// wait waits for an event of state s.
func (r *recorder) wait(t *testing.T, ctx context.Context, s camera.State) camera.Event {
	t.Helper()
	for {
		select {
		case e := <-r.ch:
			if e.State == s {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %v event", s)
		}
	}
}

func TestReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dev := camerasim.NewDevice(scene(t, 50), camera.SceneOptions{Loop: true, FPS: 200})
	rec := newRecorder()
	p := camera.StartPump(ctx, dev.Opener(), camera.Options{OnEvent: rec.on, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	defer p.Close()
	rec.wait(t, ctx, camera.StateConnected)
	for i := 0; i < 3; i++ {
		f, err := p.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.Mat.Close()
	}
	dev.Unplug()
	e := rec.wait(t, ctx, camera.StateDisconnected)
	if !errors.Is(e.Err, camera.ErrUnplugged) {
		t.Errorf("disconnect error %v", e.Err)
	}
	if st := p.Stats(); st.State != camera.StateDisconnected {
		t.Errorf("state %v", st.State)
	}
	dev.Plug()
	e = rec.wait(t, ctx, camera.StateReconnected)
	if e.Reconnects != 1 {
		t.Errorf("reconnects %d", e.Reconnects)
	}
	f, err := p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Mat.Cols() != 160 || f.Mat.Rows() != 120 {
		t.Errorf("frame %dx%d", f.Mat.Cols(), f.Mat.Rows())
	}
	f.Mat.Close()
	st := p.Stats()
	if st.Reconnects != 1 || st.Frames < 4 || st.LastError == "" || dev.Opens() != 2 {
		t.Errorf("stats %+v, opens %d", st, dev.Opens())
	}
	p.Close()
	if _, err := p.Next(ctx); !errors.Is(err, camera.ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	rec.wait(t, ctx, camera.StateStopped)
}

// TestFailAfter: a source that dies after N frames and whose reopen fails
// twice before it comes back.
func TestFailAfter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sc := scene(t, 100)
	var mu sync.Mutex
	opens := 0
	open := func(ctx context.Context) (camera.Source, error) {
		mu.Lock()
		defer mu.Unlock()
		opens++
		if opens == 2 || opens == 3 {
			return nil, errors.New("no such device")
		}
		return camera.NewSceneSource(sc, camera.SceneOptions{FailAfter: 5, Loop: true}), nil
	}
	rec := newRecorder()
	p := camera.StartPump(ctx, open, camera.Options{OnEvent: rec.on, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	defer p.Close()
	rec.wait(t, ctx, camera.StateConnected)
	rec.wait(t, ctx, camera.StateDisconnected)
	rec.wait(t, ctx, camera.StateReconnected)
	rec.wait(t, ctx, camera.StateDisconnected)
	p.Close()
	st := p.Stats()
	if st.Reconnects < 1 || st.Frames < 10 {
		t.Errorf("stats %+v", st)
	}
	// Disconnections are reported once, not for every failed open.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := 1; i < len(rec.evs); i++ {
		if rec.evs[i].State == camera.StateDisconnected && rec.evs[i-1].State == camera.StateDisconnected {
			t.Errorf("disconnection reported twice: %v", rec.evs)
		}
	}
}

// gate is a source whose frames are released one by one by the test.
type gate struct {
	sc   camera.Scene
	next chan struct{}
	i    int
}

func (g *gate) Read(ctx context.Context, dst *gocv.Mat) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case _, ok := <-g.next:
		if !ok {
			return camera.ErrUnplugged
		}
	}
	err := g.sc.Render(g.i%g.sc.Len(), dst)
	g.i++
	return err
}

func (g *gate) Close() error { return nil }

// TestNewestFrame: a consumer that is slower than the camera gets the
// newest frame, and the ones it missed are counted as dropped.
func TestNewestFrame(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g := &gate{sc: scene(t, 10), next: make(chan struct{})}
	opened := false
	open := func(ctx context.Context) (camera.Source, error) {
		if opened {
			return nil, errors.New("once")
		}
		opened = true
		return g, nil
	}
	p := camera.StartPump(ctx, open, camera.Options{})
	defer p.Close()
	// Release 5 frames while nobody reads; wait until the pump has read
	// them all (it blocks on the sixth).
	for i := 0; i < 5; i++ {
		g.next <- struct{}{}
	}
	for p.Stats().Frames < 5 {
		time.Sleep(time.Millisecond)
	}
	f, err := p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Mat.Close()
	if f.Seq != 5 {
		t.Errorf("got frame %d, want the newest (5)", f.Seq)
	}
	st := p.Stats()
	if st.Dropped != 4 || st.Delivered != 1 {
		t.Errorf("dropped %d delivered %d, want 4 and 1", st.Dropped, st.Delivered)
	}
	// Nothing newer: Next waits.
	short, c2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer c2()
	if _, err := p.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next without a new frame: %v", err)
	}
	g.next <- struct{}{}
	f, err = p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Mat.Close()
	if f.Seq != 6 {
		t.Errorf("got frame %d, want 6", f.Seq)
	}
}

// TestVideoFile records a short MJPG video and plays it through the
// OpenCV source and a pump.
func TestVideoFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sc := scene(t, 12)
	path := filepath.Join(t.TempDir(), "clip.avi")
	w, err := gocv.VideoWriterFile(path, "MJPG", 25, 160, 120, true)
	if err != nil {
		t.Skipf("OpenCV cannot write MJPG video: %v", err)
	}
	frame := gocv.NewMat()
	defer frame.Close()
	for i := 0; i < sc.Len(); i++ {
		if err := sc.Render(i, &frame); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()

	src, err := camera.Open(ctx, camera.Config{Device: path})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for src.Read(ctx, &frame) == nil {
		n++
		if frame.Cols() != 160 || frame.Rows() != 120 {
			t.Fatalf("frame %dx%d", frame.Cols(), frame.Rows())
		}
	}
	src.Close()
	if n != sc.Len() {
		t.Errorf("read %d frames, want %d", n, sc.Len())
	}

	// Through a pump, looping: more frames than the file has.
	p := camera.StartPump(ctx, camera.Config{Device: path, Loop: true}.Opener(), camera.Options{})
	defer p.Close()
	var last uint64
	for last < uint64(2*sc.Len()) {
		f, err := p.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last = f.Seq
		f.Mat.Close()
	}
	if st := p.Stats(); st.Reconnects != 0 {
		t.Errorf("looping reconnected: %+v", st)
	}

	if _, err := camera.Open(ctx, camera.Config{Device: filepath.Join(t.TempDir(), "missing.avi")}); err == nil {
		t.Error("opened a missing file")
	}
	if _, err := camera.Open(ctx, camera.Config{}); err == nil {
		t.Error("opened nothing")
	}
}
