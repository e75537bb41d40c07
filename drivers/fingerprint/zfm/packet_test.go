package zfm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/capturestation/station/drivers/fingerprint"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Byte strings from the module manuals' worked examples.
func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"GenImg", Packet{DefaultAddress, PIDCommand, []byte{InsGenImg}}, "ef01ffffffff010003010005"},
		{"UpImage", Packet{DefaultAddress, PIDCommand, []byte{InsUpImage}}, "ef01ffffffff0100030a000e"},
		{"ReadSysPara", Packet{DefaultAddress, PIDCommand, []byte{InsReadSysPara}}, "ef01ffffffff0100030f0013"},
		{"HandShake", Packet{DefaultAddress, PIDCommand, []byte{InsHandshake}}, "ef01ffffffff010003400044"},
		{"cyan breathing aura", Packet{DefaultAddress, PIDCommand, []byte{InsAuraLed, 0x01, 0x50, 0x06, 0x00}}, "ef01ffffffff01000735015006000094"},
		{"ack OK", Packet{DefaultAddress, PIDAck, []byte{CodeOK}}, "ef01ffffffff07000300000a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.want {
				t.Errorf("Encode = %x, want %s", got, tt.want)
			}
			back, skipped, err := ReadPacket(bytes.NewReader(got))
			if err != nil || skipped != 0 || back.PID != tt.p.PID || back.Address != tt.p.Address || !bytes.Equal(back.Content, tt.p.Content) {
				t.Errorf("ReadPacket = %+v, %d, %v", back, skipped, err)
			}
		})
	}
}

func TestReadPacket(t *testing.T) {
	ok := "ef01ffffffff07000300000a"
	tests := []struct {
		name     string
		in       string
		skipped  int
		wantErr  error
		checksum bool
	}{
		{"clean", ok, 0, nil, false},
		{"garbage before", "0055aa13" + ok, 4, nil, false},
		{"lone start byte", "ef" + ok, 1, nil, false},
		{"start code with bad pid", "ef01ffffffff0500" + ok, 8, nil, false},
		{"start code with impossible length", "ef01ffffffff07ffff" + ok, 9, nil, false},
		{"start code with zero length", "ef01ffffffff070000" + ok, 9, nil, false},
		{"bad checksum", "ef01ffffffff07000300000b", 0, fingerprint.ErrProtocol, true},
		{"truncated", "ef01ffffffff070003", 0, io.ErrUnexpectedEOF, false},
		{"empty", "", 0, io.EOF, false},
		{"only garbage", "0102", 2, io.EOF, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, skipped, err := ReadPacket(bytes.NewReader(mustHex(t, tt.in)))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var ce *ChecksumError
			if errors.As(err, &ce) != tt.checksum {
				t.Errorf("checksum error = %v, want %v", err, tt.checksum)
			}
			if skipped != tt.skipped {
				t.Errorf("skipped = %d, want %d", skipped, tt.skipped)
			}
			if err == nil && (p.PID != PIDAck || len(p.Content) != 1 || p.Content[0] != 0) {
				t.Errorf("packet = %+v", p)
			}
		})
	}
}

func TestEncodeTooLong(t *testing.T) {
	if _, err := (Packet{PID: PIDData, Content: make([]byte, 257)}).Encode(); err == nil {
		t.Fatal("257 content bytes encoded")
	}
}

func TestSysParamsRoundTrip(t *testing.T) {
	for _, size := range []int{32, 64, 128, 256} {
		p := SysParams{Status: 4, SystemID: 9, LibrarySize: 1000, SecurityLevel: 3, Address: 0x01020304, PacketSize: size, Baud: 115200}
		got, err := ParseSysParams(p.Encode())
		if err != nil || got != p {
			t.Errorf("size %d: %+v, %v", size, got, err)
		}
	}
	if _, err := ParseSysParams(make([]byte, 15)); !errors.Is(err, fingerprint.ErrProtocol) {
		t.Errorf("short parameters: %v", err)
	}
}

func TestPackUnpack(t *testing.T) {
	data := make([]byte, 8*4/2)
	for i := range data {
		data[i] = byte(i * 37)
	}
	img := Unpack(data, 8, 4)
	if img.Pix[0] != (data[0]>>4)*17 || img.Pix[1] != (data[0]&15)*17 {
		t.Fatalf("first pixels %d %d", img.Pix[0], img.Pix[1])
	}
	if !bytes.Equal(Pack(img), data) {
		t.Fatal("Pack(Unpack(data)) != data")
	}
}

func FuzzReadPacket(f *testing.F) {
	for _, p := range []Packet{
		{DefaultAddress, PIDCommand, []byte{InsGenImg}},
		{DefaultAddress, PIDAck, []byte{CodeOK}},
		{0x12345678, PIDAck, append([]byte{CodeOK}, SysParams{PacketSize: 128, Baud: 57600}.Encode()...)},
		{DefaultAddress, PIDData, bytes.Repeat([]byte{0x5A}, 128)},
		{DefaultAddress, PIDEndData, bytes.Repeat([]byte{0xEF, 0x01}, 128)},
	} {
		b, err := p.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(append([]byte{0xEF, 0x55, 0xEF, 0x01}, b...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, skipped, err := ReadPacket(bytes.NewReader(in))
		if skipped < 0 || skipped > len(in) {
			t.Fatalf("skipped %d of %d bytes", skipped, len(in))
		}
		if err != nil {
			return
		}
		b, err := p.Encode()
		if err != nil {
			t.Fatalf("a parsed packet does not encode: %v", err)
		}
		if skipped+len(b) > len(in) {
			t.Fatalf("skipped %d + packet %d > input %d", skipped, len(b), len(in))
		}
		if !bytes.Equal(in[skipped:skipped+len(b)], b) {
			t.Fatalf("packet bytes %x do not re-encode to the input %x", b, in[skipped:skipped+len(b)])
		}
	})
}
