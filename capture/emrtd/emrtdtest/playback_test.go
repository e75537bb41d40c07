package emrtdtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// bacKey is the document of the ICAO 9303-11 Appendix D worked example.
var bacKey = emrtd.MRZKey{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "940623"}

// appendixD holds the exchanges of ICAO 9303-11 Appendix D.3 and D.4.
var appendixD = []Exchange{
	{"0084000008", "4608F91988702212 9000"},
	{"0082000028 72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7 28",
		"46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449 9000"},
	{"0CA4020C15 8709016375432908C044F6 8E08BF8B92D635FF24F8 00", "99029000 8E08FA855A5D4C50A8ED 9000"},
	{"0CB000000D 970104 8E08ED6705417E96BA55 00", "8709019FF0EC34F9922651 99029000 8E08AD55CC17140B2DED 9000"},
	{"0CB000040D 970112 8E082EA28A70F3C7B535 00",
		"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A 99029000 8E08C8B2787EAEA07D74 9000"},
}

// terminalRand returns RND.IFD and K.IFD of Appendix D.3.
func terminalRand() *bytes.Reader {
	return bytes.NewReader([]byte{
		0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26,
		0x0B, 0x79, 0x52, 0x40, 0xCB, 0x70, 0x49, 0xB0, 0x1C, 0x19, 0xB3, 0x3E, 0x32, 0x80, 0x4F, 0x0B,
	})
}

func readEFCOM(t *testing.T, tr emrtd.Transport) []byte {
	t.Helper()
	ctx := context.Background()
	sess, err := emrtd.BAC(ctx, tr, bacKey, terminalRand())
	if err != nil {
		t.Fatal(err)
	}
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); err != nil {
		t.Fatal(err)
	}
	head, err := emrtd.ReadBinary(ctx, sess, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := emrtd.ReadBinary(ctx, sess, 4, 0x12)
	if err != nil {
		t.Fatal(err)
	}
	return append(head, rest...)
}

func TestPlaybackReplaysAppendixD(t *testing.T) {
	got := readEFCOM(t, NewPlayback(t, appendixD...))
	if want := "60145F0104303130365F36063034303030305C026175"; normalize(hex.EncodeToString(got)) != want {
		t.Fatalf("EF.COM = %X", got)
	}
}

func TestRecorderCapturesWhatPlaybackReplays(t *testing.T) {
	ctx := context.Background()
	card, err := vchip.New(vchip.Config{
		MRZ:   bacKey,
		Files: map[uint16][]byte{emrtd.FIDCOM: []byte("\x60\x14\x5F\x01\x04\x30\x31\x30\x36\x5F\x36\x06\x30\x34\x30\x30\x30\x30\x5C\x02\x61\x75")},
		Rand: bytes.NewReader([]byte{0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12,
			0x0B, 0x4F, 0x80, 0x32, 0x3E, 0xB3, 0x19, 0x1C, 0xB0, 0x49, 0x70, 0xCB, 0x40, 0x52, 0x79, 0x0B}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emrtd.SelectApplication(ctx, card); err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{Next: card}
	readEFCOM(t, rec)
	got := rec.Exchanges()
	if len(got) != len(appendixD) {
		t.Fatalf("%d exchanges recorded, want %d", len(got), len(appendixD))
	}
	for i := range got {
		if got[i].Command != normalize(appendixD[i].Command) || got[i].Response != normalize(appendixD[i].Response) {
			t.Errorf("exchange %d differs from Appendix D: %+v", i+1, got[i])
		}
	}
	// The recording replays.
	readEFCOM(t, NewPlayback(t, got...))
}

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	failed  bool
	cleanup []func()
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Errorf(string, ...any) { f.failed = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }
func (f *fakeTB) Cleanup(fn func())     { f.cleanup = append(f.cleanup, fn) }
func (f *fakeTB) runCleanups() {
	for _, fn := range f.cleanup {
		fn()
	}
}

func TestPlaybackReportsDeviations(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		send []string
	}{
		{"unused exchange", []string{"0084000008"}},
		{"wrong command", []string{"0084000004"}},
		{"extra command", []string{"0084000008", "0084000008", "0084000008"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ftb := &fakeTB{TB: t}
			p := NewPlayback(ftb, Exchange{"0084000008", "0102030405060708 9000"}, Exchange{"0084000008", "6D00"})
			for _, c := range tt.send {
				_, _ = p.Transmit(ctx, unhexString(c))
			}
			ftb.runCleanups()
			if !ftb.failed {
				t.Fatal("deviation not reported")
			}
		})
	}
	ftb := &fakeTB{TB: t}
	p := NewPlayback(ftb, Exchange{"0084000008", "0102030405060708 9000"})
	if _, err := p.Transmit(ctx, unhexString("0084000008")); err != nil {
		t.Fatal(err)
	}
	ftb.runCleanups()
	if ftb.failed {
		t.Fatal("a faithful replay was reported as failing")
	}
}

func unhexString(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
