package emrtd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
	"github.com/capturestation/station/internal/tlv"
)

// appendixDSM returns the Appendix D.3 session with the given SSC.
func appendixDSM(t testing.TB, ssc string) *emrtd.SecureMessaging {
	t.Helper()
	sm, err := emrtd.NewSecureMessaging(emrtd.TDES, unhex(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"),
		unhex(t, "F1CB1F1FB5ADF208806B89DC579DC1F8"), unhex(t, ssc))
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// smPair returns a terminal and a chip session sharing keys and SSC.
func smPair(t testing.TB, c emrtd.Cipher) (*emrtd.SecureMessaging, *emrtd.SecureMessaging) {
	t.Helper()
	enc := bytes.Repeat([]byte{0x11}, c.KeyLen())
	mac := bytes.Repeat([]byte{0x22}, c.KeyLen())
	ssc := bytes.Repeat([]byte{0xFF}, c.BlockSize()) // exercises the carry
	a, err := emrtd.NewSecureMessaging(c, enc, mac, ssc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := emrtd.NewSecureMessaging(c, enc, mac, ssc)
	return a, b
}

func TestSMRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{0x5A}, 300)
	cmds := []emrtd.Command{
		{INS: 0x84},
		{INS: 0xB0, P1: 1, P2: 2, Ne: 256},
		{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0x01, 0x1E}},
		{INS: 0x2A, Data: big, Ne: 1000},
		{INS: 0xB1, Data: []byte{0x54, 0x02, 0x80, 0x00}, Ne: 0xDF},
	}
	for _, c := range []emrtd.Cipher{emrtd.TDES, emrtd.AES128, emrtd.AES192, emrtd.AES256} {
		for i, cmd := range cmds {
			t.Run(fmt.Sprintf("%v/%d", c, i), func(t *testing.T) {
				term, chip := smPair(t, c)
				wrapped, err := term.WrapCommand(cmd)
				if err != nil {
					t.Fatal(err)
				}
				got, err := vchip.UnwrapCommand(chip, wrapped)
				if err != nil {
					t.Fatal(err)
				}
				if got.INS != cmd.INS || got.P1 != cmd.P1 || got.Ne != cmd.Ne || !bytes.Equal(got.Data, cmd.Data) {
					t.Fatalf("chip got %+v, want %+v", got, cmd)
				}
				data := bytes.Repeat([]byte{byte(i)}, 5*i)
				resp, err := term.UnwrapResponse(vchip.WrapResponse(chip, emrtd.Response{Data: data, SW: 0x9000}, cmd.INS&1 == 1))
				if err != nil {
					t.Fatal(err)
				}
				if resp.SW != 0x9000 || !bytes.Equal(resp.Data, data) {
					t.Fatalf("terminal got %X %04X", resp.Data, resp.SW)
				}
				if !bytes.Equal(term.SSC(), chip.SSC()) {
					t.Fatalf("SSC diverged: %X vs %X", term.SSC(), chip.SSC())
				}
			})
		}
	}
}

func TestUnwrapResponseRejects(t *testing.T) {
	// Appendix D.4.2: the response to the first READ BINARY, at SSC ...C229
	// before its increment.
	const ssc = "887022120C06C229"
	good := "8709019FF0EC34F9922651" + "99029000" + "8E08AD55CC17140B2DED" + "9000"
	sm := appendixDSM(t, ssc)
	r, err := sm.UnwrapResponse(unhex(t, good))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "data", r.Data, "60145F01")

	// withMAC builds a response whose MAC is valid for the D.4.2 SSC.
	withMAC := func(dos string) string {
		s := appendixDSM(t, ssc)
		s.IncrementSSC()
		body := unhex(t, dos)
		return bytesHex(tlv.Append(body, 0x8E, s.MAC(body))) + "9000"
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"tampered cryptogram", "8709019FF0EC34F9922652" + "99029000" + "8E08AD55CC17140B2DED" + "9000", emrtd.ErrSMMAC},
		{"tampered MAC", "8709019FF0EC34F9922651" + "99029000" + "8E08AD55CC17140B2DEE" + "9000", emrtd.ErrSMMAC},
		{"unprotected error", "6A82", emrtd.ErrFileNotFound},
		{"unprotected 6988", "6988", emrtd.ErrSMDataIncorrect},
		{"unprotected success", "9000", emrtd.ErrSMResponse},
		{"no MAC", "8709019FF0EC34F9922651" + "99029000" + "9000", emrtd.ErrSMResponse},
		{"object after MAC", "8709019FF0EC34F9922651" + "99029000" + "8E08AD55CC17140B2DED" + "99029000" + "9000", emrtd.ErrSMResponse},
		{"unknown object", "5301AA" + "8E08AD55CC17140B2DED" + "9000", emrtd.ErrSMResponse},
		{"truncated object", "870901" + "9000", emrtd.ErrSMResponse},
		{"short MAC", "99029000" + "8E04AD55CC17" + "9000", emrtd.ErrSMMAC},
		{"missing status", withMAC("8709019FF0EC34F9922651"), emrtd.ErrSMResponse},
		{"bad padding indicator", withMAC("8709029FF0EC34F9922651" + "99029000"), emrtd.ErrSMResponse},
		{"cryptogram not in blocks", withMAC("87040112345699029000"), emrtd.ErrSMResponse},
		{"no status word", "", emrtd.ErrMalformedAPDU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := appendixDSM(t, ssc).UnwrapResponse(unhex(t, tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(r.Data) != 0 {
				t.Fatalf("data %X returned with an error", r.Data)
			}
		})
	}
	// The same response replayed one command later fails: the SSC moved on.
	if _, err := sm.UnwrapResponse(unhex(t, good)); !errors.Is(err, emrtd.ErrSMMAC) {
		t.Fatalf("replayed response: %v, want ErrSMMAC", err)
	}
}

// tamperingLink flips one bit in the last byte of the MAC of protected
// commands when armed.
type tamperingLink struct {
	next  emrtd.Transport
	armed bool
}

func (l *tamperingLink) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if l.armed && apdu[0]&0x0C == 0x0C {
		apdu = append([]byte(nil), apdu...)
		apdu[len(apdu)-2] ^= 1
	}
	return l.next.Transmit(ctx, apdu)
}

func TestChipRejectsTamperedCommandAndSessionReports(t *testing.T) {
	ctx := context.Background()
	link := &tamperingLink{next: appendixDChip(t)}
	if err := emrtd.SelectApplication(ctx, link); err != nil {
		t.Fatal(err)
	}
	sess, err := emrtd.BAC(ctx, link, appendixDKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	link.armed = true
	err = emrtd.SelectFile(ctx, sess, emrtd.FIDCOM)
	if !errors.Is(err, emrtd.ErrSMDataIncorrect) {
		t.Fatalf("tampered command: %v, want ErrSMDataIncorrect", err)
	}
	link.armed = false
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSessionClosed) {
		t.Fatalf("command after 6988: %v, want ErrSessionClosed", err)
	}
}

// corruptingChip corrupts the MAC of every protected response.
type corruptingChip struct{ next emrtd.Transport }

func (c *corruptingChip) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	r, err := c.next.Transmit(ctx, apdu)
	if err == nil && apdu[0]&0x0C == 0x0C && len(r) > 4 {
		r[len(r)-3] ^= 0x80
	}
	return r, err
}

func TestSessionClosesAfterMACFailure(t *testing.T) {
	ctx := context.Background()
	chip := &corruptingChip{next: appendixDChip(t)}
	if err := emrtd.SelectApplication(ctx, chip); err != nil {
		t.Fatal(err)
	}
	sess, err := emrtd.BAC(ctx, chip, appendixDKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSMMAC) {
		t.Fatalf("first command: %v, want ErrSMMAC", err)
	}
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSessionClosed) {
		t.Fatalf("next command: %v, want ErrSessionClosed", err)
	}
}

func TestWrapCommandRejects(t *testing.T) {
	sm := appendixDSM(t, "887022120C06C226")
	for _, cmd := range []emrtd.Command{{CLA: 0x0C, INS: 0xB0}, {CLA: 0x10, INS: 0x86}, {INS: 0xB0, Ne: -1}} {
		if _, err := sm.WrapCommand(cmd); !errors.Is(err, emrtd.ErrSMCommand) {
			t.Errorf("WrapCommand(%+v) = %v, want ErrSMCommand", cmd, err)
		}
	}
	if _, err := emrtd.NewSecureMessaging(emrtd.AES128, make([]byte, 16), make([]byte, 16), make([]byte, 8)); !errors.Is(err, emrtd.ErrCrypto) {
		t.Errorf("8-byte SSC accepted for AES: %v", err)
	}
}

func FuzzUnwrapResponse(f *testing.F) {
	for _, s := range []string{
		"8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
		"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
		"990290008E08FA855A5D4C50A8ED9000", "6A82", "9000", "", "8E089000",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sm := appendixDSM(t, "887022120C06C229")
		r, err := sm.UnwrapResponse(b)
		if err != nil {
			if len(r.Data) != 0 {
				t.Fatal("data returned with an error")
			}
			return
		}
		// Success means the input carried a MAC that verified.
		if _, ferr := tlv.Find(b[:len(b)-2], emrtd.TagSMMAC); ferr != nil {
			t.Fatalf("accepted a response without DO'8E': %X", b)
		}
	})
}

func FuzzParseCardAccess(f *testing.F) {
	for _, s := range []string{g1CardAccess,
		"31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D",
		"3003020101", "31053003020101", "",
		"3114301206090400 7F000702020402020201020201 0D"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ca, err := emrtd.ParseCardAccess(b)
		if err != nil {
			return
		}
		if len(ca.PACE)+len(ca.DomainParameters)+len(ca.Other) > emrtd.MaxSecurityInfos {
			t.Fatal("too many entries accepted")
		}
		if p, err := ca.ChoosePACE(); err == nil && !p.Supported() {
			t.Fatal("chose an unsupported PACEInfo")
		}
	})
}

func FuzzCurveUnmarshal(f *testing.F) {
	f.Add(unhex(f, g1PKIC))
	f.Add(unhex(f, g1PKMapIFD))
	f.Add([]byte{4})
	f.Add(append([]byte{4}, make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := emrtd.CurveByID(emrtd.ParamBrainpoolP256r1)
		x, y, err := c.Unmarshal(b)
		if err != nil {
			return
		}
		if !c.IsOnCurve(x, y) || !bytes.Equal(c.Marshal(x, y), b) {
			t.Fatal("accepted point does not round-trip on the curve")
		}
	})
}

func TestPlainCommandEndsChipSession(t *testing.T) {
	ctx := context.Background()
	card := appendixDChip(t)
	if err := emrtd.SelectApplication(ctx, card); err != nil {
		t.Fatal(err)
	}
	sess, err := emrtd.BAC(ctx, card, appendixDKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A plain command aborts secure messaging on the chip: the LDS is
	// protected again and the old session's commands are refused.
	if err := emrtd.SelectFile(ctx, card, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSecurityStatus) {
		t.Fatalf("plain SELECT after BAC: %v, want ErrSecurityStatus", err)
	}
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSMDataIncorrect) {
		t.Fatalf("protected SELECT after abort: %v, want ErrSMDataIncorrect", err)
	}
}
