package fingerprint

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptFinder answers each Find with the next step of its script and
// repeats the last step forever.
type scriptFinder struct {
	mu    sync.Mutex
	steps []findStep
	n     int
}

type findStep struct {
	infos []Info
	err   error
}

func (f *scriptFinder) Find(context.Context) ([]Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.steps[min(f.n, len(f.steps)-1)]
	f.n++
	return s.infos, s.err
}

func dev(path string) Info { return Info{Driver: "zfm", Path: path, PPI: 500} }

func TestWatchReportsArrivalsAndDepartures(t *testing.T) {
	a, b := dev("/dev/ttyUSB0"), dev("/dev/ttyUSB1")
	f := &scriptFinder{steps: []findStep{
		{infos: []Info{a}},
		{infos: []Info{a, b}},
		{err: errors.New("bus busy")}, // a passing failure must not detach anything
		{infos: []Info{b}},
		{infos: nil},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, time.Millisecond, func(ev DeviceEvent) {
			sign := "-"
			if ev.Attached {
				sign = "+"
			}
			got = append(got, sign+ev.Info.Path)
			if len(got) == 4 {
				cancel()
			}
		}, f)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Watch returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not report four events")
	}
	want := "+/dev/ttyUSB0 +/dev/ttyUSB1 -/dev/ttyUSB0 -/dev/ttyUSB1"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("events %q, want %q", s, want)
	}
}

func TestWatchKeepsOtherFindersWhenOneFails(t *testing.T) {
	usb := &scriptFinder{steps: []findStep{{err: errors.New("no libusb")}}}
	serial := &scriptFinder{steps: []findStep{{infos: []Info{dev("/dev/ttyUSB0")}}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []DeviceEvent
	_ = Watch(ctx, time.Millisecond, func(ev DeviceEvent) { got = append(got, ev); cancel() }, usb, serial)
	if len(got) != 1 || !got[0].Attached || got[0].Info.Path != "/dev/ttyUSB0" {
		t.Fatalf("events %+v, want the serial module attached", got)
	}
}

func TestWatchRejectsBadInterval(t *testing.T) {
	if err := Watch(context.Background(), 0, func(DeviceEvent) {}); err == nil {
		t.Fatal("Watch accepted a zero interval")
	}
}

func TestFindMergesAndKeepsGoingAfterAnError(t *testing.T) {
	good := &scriptFinder{steps: []findStep{{infos: []Info{dev("b"), dev("a")}}}}
	bad := &scriptFinder{steps: []findStep{{err: errors.New("no libusb")}}}
	infos, err := Find(context.Background(), bad, good)
	if err == nil || !strings.Contains(err.Error(), "no libusb") {
		t.Fatalf("error %v, want the failing finder's error", err)
	}
	if len(infos) != 2 || infos[0].Path != "a" || infos[1].Path != "b" {
		t.Fatalf("infos %+v, want a then b", infos)
	}
}

func TestStageString(t *testing.T) {
	for _, tc := range []struct {
		s    Stage
		want string
	}{
		{StageWaitingForFinger, "waiting for finger"},
		{StageFingerDetected, "finger detected"},
		{StageImageReady, "image ready"},
		{StageRemoveFinger, "remove finger"},
		{Stage(99), "stage(99)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", int(tc.s), got, tc.want)
		}
	}
}
