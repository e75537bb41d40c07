package vchip

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// d4SM is the chip's session of ICAO 9303-11 Appendix D.3 at the SSC before
// the first protected command.
func d4SM(t testing.TB) *emrtd.SecureMessaging {
	t.Helper()
	sm, err := emrtd.NewSecureMessaging(emrtd.TDES, unhex(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"),
		unhex(t, "F1CB1F1FB5ADF208806B89DC579DC1F8"), unhex(t, "887022120C06C226"))
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

func TestUnwrapCommandAppendixD(t *testing.T) {
	sm := d4SM(t)
	cmd, err := UnwrapCommand(sm, unhex(t, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.CLA != 0 || cmd.INS != 0xA4 || cmd.P1 != 2 || cmd.P2 != 0x0C || !bytes.Equal(cmd.Data, []byte{1, 0x1E}) || cmd.Ne != 0 {
		t.Fatalf("SELECT unwrapped as %+v", cmd)
	}
	got := WrapResponse(sm, emrtd.Response{SW: 0x9000}, false)
	if want := unhex(t, "990290008E08FA855A5D4C50A8ED9000"); !bytes.Equal(got, want) {
		t.Fatalf("response %X, want %X", got, want)
	}
	cmd, err = UnwrapCommand(sm, unhex(t, "0CB000000D9701048E08ED6705417E96BA5500"))
	if err != nil || cmd.INS != 0xB0 || cmd.Ne != 4 || len(cmd.Data) != 0 {
		t.Fatalf("READ BINARY unwrapped as %+v, %v", cmd, err)
	}
	// The same command again is a replay: the SSC has moved on.
	if _, err := UnwrapCommand(sm, unhex(t, "0CB000000D9701048E08ED6705417E96BA5500")); !errors.Is(err, ErrProtectedCommand) {
		t.Fatalf("replay accepted: %v", err)
	}
}

func TestUnwrapCommandRejects(t *testing.T) {
	for _, tt := range []struct{ name, in string }{
		{"plain", "00A4020C02011E"},
		{"no MAC", "0CB0000003970104"},
		{"bad MAC", "0CB000000D9701048E08ED6705417E96BA5600"},
		{"unknown object", "0CB00000035301AA"},
		{"malformed APDU", "0CB0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := UnwrapCommand(d4SM(t), unhex(t, tt.in)); !errors.Is(err, ErrProtectedCommand) {
				t.Fatalf("err = %v, want ErrProtectedCommand", err)
			}
		})
	}
}

func TestCardStateRules(t *testing.T) {
	ctx := context.Background()
	card, err := New(Config{MRZ: emrtd.MRZKey{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "940623"},
		Files: map[uint16][]byte{emrtd.FIDCOM: {0x60, 0x00}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cmd string
		sw        uint16
	}{
		{"unknown instruction", "00120000", emrtd.SWINSNotSupported},
		{"protected without session", "0CB000000D9701048E08ED6705417E96BA5500", emrtd.SWSMDataIncorrect},
		{"mutual auth without challenge", "0082000028" + string(bytes.Repeat([]byte("00"), 40)) + "28", emrtd.SWConditionsNotSatisfied},
		{"read with nothing selected", "00B0000004", emrtd.SWConditionsNotSatisfied},
		{"select unknown AID", "00A4040C07A0000002471002", emrtd.SWFileNotFound},
		{"general authenticate without MSE", "10860000027C0000", emrtd.SWConditionsNotSatisfied},
		{"MSE with unknown protocol", "0022C1A40F800A04007F00070202040202830101", emrtd.SWReferenceNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := card.Transmit(ctx, unhex(t, tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := emrtd.ParseResponse(r)
			if err != nil || resp.SW != tt.sw {
				t.Fatalf("SW %04X (%v), want %04X", resp.SW, err, tt.sw)
			}
		})
	}
}

func FuzzUnwrapCommand(f *testing.F) {
	for _, s := range []string{
		"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
		"0CB000000D9701048E08ED6705417E96BA5500",
		"0CB000040D9701128E082EA28A70F3C7B53500",
		"0CB0000003970104", "", "0C",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := UnwrapCommand(d4SM(t), b)
		if err == nil && cmd.CLA&0x0C != 0 {
			t.Fatal("unwrapped command still marked protected")
		}
	})
}

func FuzzPACEStep(f *testing.F) {
	f.Add([]byte{0x7C, 0x00}, []byte{0x7C, 0x43, 0x81, 0x41, 0x04})
	f.Add([]byte{0x7C, 0x00}, []byte{0x7C, 0x00})
	f.Add([]byte{}, []byte{0x7C, 0x02, 0x85, 0x00})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		info := emrtd.PACEInfo{Protocol: []int{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}, Version: 2,
			ParameterID: emrtd.ParamBrainpoolP256r1, Agreement: emrtd.AgreementECDH,
			Mapping: emrtd.MappingGeneric, Cipher: emrtd.AES128}
		p, err := NewPACEResponder(info, emrtd.Password{Ref: emrtd.PasswordCAN, Secret: []byte("123456")}, nil,
			bytes.NewReader(bytes.Repeat([]byte{0x42}, 256)))
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range [][]byte{first, second} {
			ans, sm, err := p.Step(step)
			if err != nil {
				return
			}
			if sm != nil || len(ans) == 0 {
				t.Fatal("early steps must answer and not open a session")
			}
		}
	})
}

func FuzzCardTransmit(f *testing.F) {
	for _, s := range [][2]string{
		{"00A4040C07A0000002471001", "00A4020C02011E"},
		{"0084000008", "0082000028" + "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7" + "28"},
		{"0022C1A40F800A04007F00070202040202830101", "10860000027C0000"},
		{"00B1000004540280000000", "0CB000000D9701048E08ED6705417E96BA5500"},
	} {
		f.Add(unhex(f, s[0]), unhex(f, s[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		info := emrtd.PACEInfo{Protocol: []int{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}, Version: 2,
			ParameterID: emrtd.ParamBrainpoolP256r1, Agreement: emrtd.AgreementECDH,
			Mapping: emrtd.MappingGeneric, Cipher: emrtd.AES128}
		card, err := New(Config{MRZ: emrtd.MRZKey{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "940623"},
			PACE: []emrtd.PACEInfo{info}, Files: map[uint16][]byte{emrtd.FIDCOM: {0x60, 0x00}},
			Rand: bytes.NewReader(bytes.Repeat([]byte{0x42}, 512))})
		if err != nil {
			t.Fatal(err)
		}
		for _, apdu := range [][]byte{a, b} {
			r, err := card.Transmit(context.Background(), apdu)
			if err != nil {
				t.Fatal(err)
			}
			if len(r) < 2 {
				t.Fatalf("response %X has no status word", r)
			}
		}
	})
}
