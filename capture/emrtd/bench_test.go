package emrtd_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// countingLink counts the APDUs exchanged.
type countingLink struct {
	next emrtd.Transport
	n    int
}

func (c *countingLink) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c.n++
	return c.next.Transmit(ctx, apdu)
}

// BenchmarkBAC measures a complete BAC (both sides) against the test chip.
func BenchmarkBAC(b *testing.B) {
	ctx := context.Background()
	card, err := vchip.New(vchip.Config{MRZ: appendixDKey})
	if err != nil {
		b.Fatal(err)
	}
	link := &countingLink{next: card}
	for b.Loop() {
		if _, err := emrtd.BAC(ctx, link, appendixDKey, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(link.n)/float64(b.N), "APDUs/op")
}

// BenchmarkSMReadBinary measures protecting a READ BINARY of 0xDF bytes and
// its response on both sides: terminal wrap, chip unwrap, chip wrap,
// terminal unwrap.
func BenchmarkSMReadBinary(b *testing.B) {
	data := bytes.Repeat([]byte{0xA5}, emrtd.DefaultChunk)
	for _, c := range []emrtd.Cipher{emrtd.TDES, emrtd.AES128, emrtd.AES256} {
		b.Run(c.String(), func(b *testing.B) {
			term, chip := smPair(b, c)
			cmd := emrtd.Command{INS: 0xB0, P1: 0x01, Ne: emrtd.DefaultChunk}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				w, err := term.WrapCommand(cmd)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := vchip.UnwrapCommand(chip, w); err != nil {
					b.Fatal(err)
				}
				r, err := term.UnwrapResponse(vchip.WrapResponse(chip, emrtd.Response{Data: data, SW: 0x9000}, false))
				if err != nil || len(r.Data) != len(data) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPACEBrainpoolP256r1 measures PACE GM ECDH on brainpoolP256r1
// with AES-128 end to end, terminal and chip side together.
func BenchmarkPACEBrainpoolP256r1(b *testing.B) {
	ctx := context.Background()
	info := g1Info(b)
	card, err := vchip.New(vchip.Config{MRZ: appendixGKey, PACE: []emrtd.PACEInfo{info}})
	if err != nil {
		b.Fatal(err)
	}
	pw, _ := appendixGKey.PACEPassword()
	link := &countingLink{next: card}
	for b.Loop() {
		if _, err := emrtd.PACE(ctx, link, pw, info, emrtd.PACEOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(link.n)/float64(b.N), "APDUs/op")
}
