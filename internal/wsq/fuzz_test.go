package wsq

import (
	"bytes"
	"runtime"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, p := range prints {
		f.Add(readFile(f, p.name+"_nbis075.wsq"))
	}
	var buf bytes.Buffer
	if err := Encode(&buf, ridges(40, 33), Options{PPI: 500, Comment: "seed"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cfgErr := DecodeConfig(bytes.NewReader(data))
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		if cfgErr != nil {
			t.Fatalf("Decode succeeded but DecodeConfig failed: %v", cfgErr)
		}
		if img.Rect.Dx() != cfg.Width || img.Rect.Dy() != cfg.Height {
			t.Fatalf("decoded %v, DecodeConfig says %dx%d", img.Rect, cfg.Width, cfg.Height)
		}
	})
}

// A header announcing a huge frame over a few bytes of data must fail
// without allocating memory for the frame.
func TestHostileHeaderAllocation(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, ridges(40, 33), Options{}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	sof := bytes.Index(data, []byte{0xFF, 0xA2})
	hostile := bytes.Clone(data)
	copy(hostile[sof+6:], []byte{0x1F, 0x40, 0x1F, 0x40}) // 8000×8000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(bytes.NewReader(hostile))
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("decoded a truncated 8000×8000 frame")
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%v; allocated %d bytes", err, alloc)
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes for a %d-byte input", alloc, len(hostile))
	}
}
