package uru4000

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/capturestation/station/drivers/fingerprint"
)

func TestParseInterrupt(t *testing.T) {
	tests := []struct {
		name    string
		pkt     []byte
		want    InterruptType
		wantErr bool
	}{
		{"finger on", EncodeInterrupt(IrqFingerOn), IrqFingerOn, false},
		{"finger off", EncodeInterrupt(IrqFingerOff), IrqFingerOff, false},
		{"scan power", EncodeInterrupt(IrqScanPowerOn), IrqScanPowerOn, false},
		{"failure warning", EncodeInterrupt(IrqFailing), IrqFailing, false},
		{"unknown code", EncodeInterrupt(0xbeef), 0xbeef, true},
		{"short", []byte{0x01, 0x01}, IrqFingerOn, true},
		{"empty", nil, 0, true},
		{"long", append(EncodeInterrupt(IrqFingerOn), 0), IrqFingerOn, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInterrupt(tc.pkt)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, fingerprint.ErrProtocol) {
				t.Errorf("error %v does not wrap ErrProtocol", err)
			}
			if got != tc.want {
				t.Errorf("type %v, want %v", got, tc.want)
			}
		})
	}
}

func frameWith(blocks []Block, lines int) []byte {
	f := make([]byte, FrameHeaderLength+lines*Width)
	if err := EncodeFrameHeader(f, 3, blocks); err != nil {
		panic(err)
	}
	return f
}

func TestParseFrame(t *testing.T) {
	good := []Block{{BlockEncrypted, 145}, {BlockEncrypted | BlockChangeKey, 145}}
	tests := []struct {
		name    string
		frame   []byte
		wantErr bool
	}{
		{"full", frameWith(good, 290), false},
		{"trailing bytes", append(frameWith(good, 290), 1, 2, 3), false},
		{"not present block", frameWith([]Block{{BlockNotPresent, 10}, {0, 200}, {0, 80}}, 280), false},
		{"fewer lines than image", frameWith([]Block{{0, 100}}, 100), false},
		{"short", frameWith(good, 290)[:FrameHeaderLength+289*Width], true},
		{"header only", frameWith(good, 290)[:FrameHeaderLength], true},
		{"partial header", make([]byte, 10), true},
		{"zero lines", make([]byte, FrameHeaderLength), true},
		{"too many lines", func() []byte {
			f := frameWith([]Block{{0, 255}, {0, 36}}, 291)
			return f
		}(), true},
		{"blocks disagree", func() []byte {
			f := frameWith(good, 290)
			f[hdrBlocks+1] = 100
			return f
		}(), true},
		{"blocks beyond image", frameWith([]Block{{BlockNotPresent, 200}, {0, 100}}, 100), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFrame(tc.frame)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, fingerprint.ErrProtocol) {
					t.Errorf("error %v does not wrap ErrProtocol", err)
				}
				return
			}
			if len(f.Data) != f.Lines*Width || f.KeyNumber != 3 {
				t.Errorf("frame lines %d data %d key %d", f.Lines, len(f.Data), f.KeyNumber)
			}
		})
	}
}

// refStep is a bit-by-bit restatement of the key register: taps at bit
// positions 1, 3, 4, 7, 11, 13, 20, 23, 26, 29 and 32 counted from one.
func refStep(k uint32) uint32 {
	var p uint32
	for _, pos := range []uint{1, 3, 4, 7, 11, 13, 20, 23, 26, 29, 32} {
		p ^= k >> (pos - 1) & 1
	}
	return p<<31 | k>>1
}

func TestKeyStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		k := rng.Uint32()
		if got, want := stepKey(k), refStep(k); got != want {
			t.Fatalf("stepKey(%#x) = %#x, want %#x", k, got, want)
		}
	}
	if got := maskByte(1<<4 | 1<<29); got != 0x81 {
		t.Errorf("maskByte = %#x, want 0x81", got)
	}
	if got := maskByte(^uint32(0) &^ (1<<4 | 1<<8 | 1<<11 | 1<<14 | 1<<18 | 1<<21 | 1<<24 | 1<<29)); got != 0 {
		t.Errorf("maskByte of untapped bits = %#x", got)
	}
}

func TestScrambleRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, Width, 7 * Width} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(rng.Uint32())
		}
		plain[n-1] = 0 // never sent
		key := rng.Uint32()
		wire := make([]byte, n)
		next := Scramble(wire, plain, key, 0xaa)
		if n > 1 && bytes.Equal(wire[1:], plain[:n-1]) {
			t.Errorf("n=%d: scrambling changed nothing", n)
		}
		if got := Descramble(wire, key); got != next {
			t.Errorf("n=%d: next key %#x / %#x", n, got, next)
		}
		if next != advanceKey(key, n) {
			t.Errorf("n=%d: key advanced differently from a skipped block", n)
		}
		if !bytes.Equal(wire, plain) {
			t.Errorf("n=%d: round trip differs", n)
		}
	}
}

func TestRespond(t *testing.T) {
	// FIPS-197 appendix C.1 example vector.
	var key [16]byte
	k, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	copy(key[:], k)
	in, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	got, err := Respond(key, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "69c4e0d86a7b0430d8cdb78070b4c55a"; hex.EncodeToString(got) != want {
		t.Errorf("Respond = %x, want %s", got, want)
	}
	if _, err := Respond(key, in[:15]); !errors.Is(err, fingerprint.ErrProtocol) {
		t.Errorf("short challenge: %v", err)
	}
}

func TestModels(t *testing.T) {
	seen := map[[2]uint16]bool{}
	for _, m := range Models() {
		id := [2]uint16{m.VendorID, m.ProductID}
		if seen[id] {
			t.Errorf("duplicate %v", m)
		}
		seen[id] = true
		if got, ok := LookupModel(m.VendorID, m.ProductID); !ok || got != m {
			t.Errorf("LookupModel(%v) = %v, %v", m, got, ok)
		}
	}
	for _, id := range [][2]uint16{{0x05ba, 0x000a}, {0x05ba, 0x0007}, {0x045e, 0x00ca}, {0x045e, 0x00bd}} {
		if !seen[id] {
			t.Errorf("%04x:%04x missing", id[0], id[1])
		}
	}
	if _, ok := LookupModel(0x05ba, 0xffff); ok {
		t.Error("unknown product found")
	}
	if !ModelURU4000B().Scrambles || ModelURU4000B().Rotated || !ModelMSv2().Authenticates || !ModelURU4000().Rotated {
		t.Error("model flags wrong")
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(frameWith([]Block{{BlockEncrypted, 1}, {BlockEncrypted | BlockChangeKey, 1}}, 2))
	f.Add(frameWith([]Block{{BlockNotPresent, 3}, {0, 2}}, 2))
	f.Add(frameWith([]Block{{BlockNoKeyUpdate, 1}, {0, 1}, {BlockEncrypted, 1}}, 3))
	f.Add(make([]byte, FrameHeaderLength))
	f.Fuzz(func(t *testing.T, p []byte) {
		fr, err := ParseFrame(p)
		if err != nil {
			if !errors.Is(err, fingerprint.ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if len(fr.Data) != fr.Lines*Width || fr.Lines < 1 || fr.Lines > Height || len(fr.Blocks) > MaxBlocks {
			t.Fatalf("inconsistent frame: lines %d data %d blocks %d", fr.Lines, len(fr.Data), len(fr.Blocks))
		}
		// Decoding an accepted frame, scrambled or not, must not fail or
		// overrun.
		m := ModelURU4000()
		if len(p)%2 == 0 {
			m = ModelURU4000B()
		}
		s := &Scanner{t: NewSimulator(SimConfig{Model: m}), model: m, opts: Options{}.withDefaults()}
		img, err := s.decode(context.Background(), fr)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(img.Pix) != Width*Height {
			t.Fatalf("image of %d pixels", len(img.Pix))
		}
	})
}

func FuzzParseInterrupt(f *testing.F) {
	f.Add(EncodeInterrupt(IrqFingerOn))
	f.Add([]byte{0x56})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		typ, err := ParseInterrupt(p)
		if err != nil {
			if !errors.Is(err, fingerprint.ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if len(p) != InterruptLength || !typ.known() {
			t.Fatalf("accepted %d bytes of %v", len(p), typ)
		}
	})
}

func FuzzScramble(f *testing.F) {
	f.Add([]byte("ridges and valleys"), uint32(0x12345678), byte(7))
	f.Fuzz(func(t *testing.T, plain []byte, key uint32, filler byte) {
		if len(plain) == 0 {
			return
		}
		plain = bytes.Clone(plain)
		plain[len(plain)-1] = 0
		wire := make([]byte, len(plain))
		next := Scramble(wire, plain, key, filler)
		if Descramble(wire, key) != next || !bytes.Equal(wire, plain) {
			t.Fatal("round trip failed")
		}
	})
}

func TestPlatenTakesTheCentre(t *testing.T) {
	big := image.NewGray(image.Rect(0, 0, Width+20, Height+10))
	big.SetGray(10+Width/2, 5+Height/2, color.Gray{Y: 7}) // the centre pixel
	small := image.NewGray(image.Rect(0, 0, 10, 10))      // smaller than the glass: white around it
	for _, tc := range []struct {
		name string
		in   *image.Gray
		at   image.Point
		want uint8
	}{
		{"larger print", big, image.Pt(Width/2, Height/2), 7},
		{"smaller print, outside it", small, image.Pt(0, 0), 255},
		{"smaller print, inside it", small, image.Pt(Width/2, Height/2), 0},
	} {
		got := Platen(tc.in)
		if got.Bounds() != image.Rect(0, 0, Width, Height) || got.GrayAt(tc.at.X, tc.at.Y).Y != tc.want {
			t.Errorf("%s: %v, pixel %v = %d, want %d", tc.name, got.Bounds(), tc.at, got.GrayAt(tc.at.X, tc.at.Y).Y, tc.want)
		}
	}
}
