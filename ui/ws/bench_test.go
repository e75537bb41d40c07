package ws

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/capturestation/station/internal/events"
)

// BenchmarkEventLatency measures the time from Bus.Publish to the event's
// arrival in a websocket client, one event at a time; it reports the
// median and 95th percentile (goal: p95 under 100 ms).
func BenchmarkEventLatency(b *testing.B) {
	h := newHarness(b, nil)
	cl := h.connect("operator")
	cl.hello(nil, "")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		h.bus.Publish(events.KindCapture, "quality", map[string]int{"score": i % 100})
		for {
			cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, data, err := cl.c.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			var m struct{ Type string }
			json.Unmarshal(data, &m)
			if m.Type == "capture" {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
	b.ReportMetric(0, "ns/op")
}

// testJPEG encodes a 640×480 image of about 30 KB, the size of a preview frame.
func testJPEG(tb testing.TB) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Y[y*img.YStride+x] = uint8((x+y)/5) + uint8(r.IntN(24))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkPreviewFPS measures how many 640×480 JPEG preview frames per
// second reach a client that reads as fast as it can while the producer
// offers one every millisecond (goal: at least 15 fps). It also reports
// the producer's slowest hand-over, which must stay tiny.
func BenchmarkPreviewFPS(b *testing.B) {
	src := &source{}
	h := newHarness(b, func(o *Options) { o.Preview = src })
	cl := h.connect("operator")
	if m := cl.answer(cl.cmd(CmdSubscribePreview, PreviewData{Device: "cam0"})); m.Type != TypeReply {
		b.Fatalf("subscribe: %+v", m)
	}
	frame := testJPEG(b)
	stop := make(chan struct{})
	worst := make(chan time.Duration, 1)
	go func() {
		var w time.Duration
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for seq := uint32(1); ; seq++ {
			select {
			case <-stop:
				worst <- w
				return
			case <-t.C:
			}
			w = max(w, src.push(Frame{Device: "cam0", Seq: seq, Width: 640, Height: 480, JPEG: frame}))
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; {
		cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		mt, _, err := cl.c.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if mt == websocket.BinaryMessage {
			n++
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "fps")
	b.ReportMetric(float64(len(frame))/1024, "frame-KiB")
	b.ReportMetric(float64(<-worst)/float64(time.Microsecond), "producer-max-µs")
}
