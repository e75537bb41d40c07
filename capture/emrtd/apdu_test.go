package emrtd_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
)

func TestCommandEncoding(t *testing.T) {
	data300 := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name string
		cmd  emrtd.Command
		want string
	}{
		{"case 1", emrtd.Command{INS: 0xA4, P1: 4}, "00A40400"},
		{"case 2S", emrtd.Command{INS: 0x84, Ne: 8}, "0084000008"},
		{"case 2S Ne 256", emrtd.Command{INS: 0xB0, Ne: 256}, "00B0000000"},
		{"case 3S", emrtd.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{1, 0x1E}}, "00A4020C02011E"},
		{"case 4S", emrtd.Command{CLA: 0x10, INS: 0x86, Data: []byte{0x7C, 0}, Ne: 256}, "10860000027C0000"},
		{"case 2E", emrtd.Command{INS: 0xB0, Ne: 1000}, "00B00000" + "0003E8"},
		{"case 2E Ne 65536", emrtd.Command{INS: 0xB0, Ne: 65536}, "00B00000" + "000000"},
		{"case 3E", emrtd.Command{INS: 0xD6, Data: data300}, "00D60000" + "00012C" + bytesHex(data300)},
		{"case 4E", emrtd.Command{INS: 0x2A, Data: data300, Ne: 65536}, "002A0000" + "00012C" + bytesHex(data300) + "0000"},
		{"forced extended", emrtd.Command{INS: 0xB0, Ne: 4, Extended: true}, "00B00000" + "000004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "APDU", got, tt.want)
			back, err := emrtd.ParseCommand(got)
			if err != nil {
				t.Fatal(err)
			}
			if back.CLA != tt.cmd.CLA || back.INS != tt.cmd.INS || back.Ne != tt.cmd.Ne || !bytes.Equal(back.Data, tt.cmd.Data) {
				t.Fatalf("parsed back %+v", back)
			}
		})
	}
	for _, bad := range []emrtd.Command{{Ne: -1}, {Ne: 65537}, {Data: make([]byte, 65536)}} {
		if _, err := bad.Bytes(); !errors.Is(err, emrtd.ErrMalformedAPDU) {
			t.Errorf("Bytes(Ne %d, %d data) = %v, want ErrMalformedAPDU", bad.Ne, len(bad.Data), err)
		}
	}
}

func bytesHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestParseCommandRejects(t *testing.T) {
	for _, in := range []string{"", "00A404", "00A4040C05AABB", "00A4040C0000", "00A4040C00000301", "00A4040C000002AABBCC"} {
		if _, err := emrtd.ParseCommand(unhex(t, in)); !errors.Is(err, emrtd.ErrMalformedAPDU) {
			t.Errorf("ParseCommand(%s) = %v, want ErrMalformedAPDU", in, err)
		}
	}
}

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		sw    uint16
		want  error
		avail int
	}{
		{0x6982, emrtd.ErrSecurityStatus, -1},
		{0x6A82, emrtd.ErrFileNotFound, -1},
		{0x6988, emrtd.ErrSMDataIncorrect, -1},
		{0x6987, emrtd.ErrSMDataMissing, -1},
		{0x6A80, emrtd.ErrWrongData, -1},
		{0x6700, emrtd.ErrWrongLength, -1},
		{0x6C10, emrtd.ErrWrongLe, 16},
		{0x6C00, emrtd.ErrWrongLe, 256},
		{0x6120, emrtd.ErrMoreData, 32},
		{0x6300, emrtd.ErrAuthenticationFailed, -1},
		{0x63C2, emrtd.ErrAuthenticationFailed, -1},
		{0x6983, emrtd.ErrAuthMethodBlocked, -1},
		{0x6985, emrtd.ErrConditionsNotSatisfied, -1},
		{0x6A88, emrtd.ErrReferenceNotFound, -1},
		{0x6B00, emrtd.ErrWrongParameters, -1},
		{0x6D00, emrtd.ErrNotSupported, -1},
		{0x6F00, emrtd.ErrChipError, -1},
	}
	for _, tt := range tests {
		err := emrtd.Response{SW: tt.sw}.Err()
		var se *emrtd.StatusError
		if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.SW != tt.sw || se.Available() != tt.avail {
			t.Errorf("SW %04X: err %v, want %v (available %d)", tt.sw, err, tt.want, tt.avail)
		}
	}
	for _, sw := range []uint16{0x9000, 0x6282} {
		if err := (emrtd.Response{SW: sw}).Err(); err != nil {
			t.Errorf("SW %04X reported as error: %v", sw, err)
		}
	}
}

// lengthChip answers 6Cxx to a wrong Le and then 61xx to chain the data.
type lengthChip struct{ calls [][]byte }

func (c *lengthChip) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	c.calls = append(c.calls, apdu)
	switch {
	case apdu[1] == 0xB0 && apdu[4] != 0x06:
		return []byte{0x6C, 0x06}, nil
	case apdu[1] == 0xB0:
		return []byte{1, 2, 3, 0x61, 0x03}, nil
	case apdu[1] == 0xC0:
		return []byte{4, 5, 6, 0x90, 0x00}, nil
	}
	return []byte{0x6D, 0x00}, nil
}

func TestSendFollowsWrongLeAndMoreData(t *testing.T) {
	chip := &lengthChip{}
	r, err := emrtd.Send(context.Background(), chip, emrtd.Command{INS: 0xB0, Ne: 256})
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "data", r.Data, "010203040506")
	if len(chip.calls) != 3 {
		t.Fatalf("%d commands sent, want 3", len(chip.calls))
	}
	eqHex(t, "GET RESPONSE", chip.calls[2], "00C0000003")
	_, err = emrtd.Send(context.Background(), chip, emrtd.Command{INS: 0x12})
	if !errors.Is(err, emrtd.ErrNotSupported) {
		t.Fatalf("err = %v, want ErrNotSupported", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := emrtd.Send(ctx, chip, emrtd.Command{INS: 0xB0}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"00A4020C02011E", "0084000008", "10860000027C0000", "00B00000000003E8",
		"0CB000040D9701128E082EA28A70F3C7B53500", "00D60000000003AABBCC0000", "", "00", "00A4040C0000"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := emrtd.ParseCommand(b)
		if err != nil {
			return
		}
		again, err := c.Bytes()
		if err != nil {
			t.Fatalf("parsed command does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip %X -> %X", b, again)
		}
	})
}
