package emrtd_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"github.com/capturestation/station/capture/mrz"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// exchange is one command and its response, in upper-case hex.
type exchange struct{ cmd, resp string }

// recorder passes APDUs to a chip and keeps the exchanges.
type recorder struct {
	next emrtd.Transport
	log  []exchange
}

func (r *recorder) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	resp, err := r.next.Transmit(ctx, apdu)
	r.log = append(r.log, exchange{strings.ToUpper(hex.EncodeToString(apdu)), strings.ToUpper(hex.EncodeToString(resp))})
	return resp, err
}

// check compares the recorded exchanges with the expected ones.
func (r *recorder) check(t *testing.T, want []exchange) {
	t.Helper()
	for i := 0; i < max(len(want), len(r.log)); i++ {
		var got, exp exchange
		if i < len(r.log) {
			got = r.log[i]
		}
		if i < len(want) {
			exp = want[i]
			exp.cmd = strings.ToUpper(strings.ReplaceAll(exp.cmd, " ", ""))
			exp.resp = strings.ToUpper(strings.ReplaceAll(exp.resp, " ", ""))
		}
		if got != exp {
			t.Errorf("exchange %d:\n got  %s -> %s\n want %s -> %s", i+1, got.cmd, got.resp, exp.cmd, exp.resp)
		}
	}
}

// appendixDCOM is the EF.COM read in ICAO 9303-11 Appendix D.4.
const appendixDCOM = "60145F0104303130365F36063034303030305C026175"

func appendixDChip(t testing.TB) *vchip.Card {
	t.Helper()
	card, err := vchip.New(vchip.Config{
		MRZ:   appendixDKey,
		Files: map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM)},
		// RND.IC, then K.IC (Appendix D.3).
		Rand: bytes.NewReader(unhex(t, "4608F91988702212"+"0B4F80323EB3191CB04970CB4052790B")),
	})
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// TestAppendixDWorkedExample runs BAC and the first protected commands of
// ICAO 9303-11 Appendix D between the terminal code and the test chip, and
// checks every APDU in both directions against the published bytes.
func TestAppendixDWorkedExample(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{next: appendixDChip(t)}
	if err := emrtd.SelectApplication(ctx, rec); err != nil {
		t.Fatal(err)
	}
	// RND.IFD, then K.IFD (Appendix D.3).
	terminal := bytes.NewReader(unhex(t, "781723860C06C226"+"0B795240CB7049B01C19B33E32804F0B"))
	sess, err := emrtd.BAC(ctx, rec, appendixDKey, terminal)
	if err != nil {
		t.Fatalf("BAC: %v", err)
	}
	if err := emrtd.SelectFile(ctx, sess, emrtd.FIDCOM); err != nil {
		t.Fatalf("SELECT EF.COM: %v", err)
	}
	head, err := emrtd.ReadBinary(ctx, sess, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "first 4 bytes", head, "60145F01")
	rest, err := emrtd.ReadBinary(ctx, sess, 4, 0x12)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "remaining 18 bytes", rest, "04303130365F36063034303030305C026175")

	rec.check(t, []exchange{
		{"00A4040C07A0000002471001", "9000"},
		{"0084000008", "4608F91988702212 9000"},
		{"0082000028 72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7 28",
			"46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449 9000"},
		{"0CA4020C15 8709016375432908C044F6 8E08BF8B92D635FF24F8 00", "99029000 8E08FA855A5D4C50A8ED 9000"},
		{"0CB000000D 970104 8E08ED6705417E96BA55 00", "8709019FF0EC34F9922651 99029000 8E08AD55CC17140B2DED 9000"},
		{"0CB000040D 970112 8E082EA28A70F3C7B535 00",
			"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A 99029000 8E08C8B2787EAEA07D74 9000"},
	})
}

func TestBACWrongKey(t *testing.T) {
	ctx := context.Background()
	card, err := vchip.New(vchip.Config{MRZ: appendixDKey})
	if err != nil {
		t.Fatal(err)
	}
	wrong := appendixDKey
	wrong.DateOfExpiry = "940624"
	_, err = emrtd.BAC(ctx, card, wrong, nil)
	if !errors.Is(err, emrtd.ErrAuthenticationFailed) {
		t.Fatalf("BAC with wrong key: %v, want ErrAuthenticationFailed", err)
	}
}

// forgingChip answers GET CHALLENGE and then a MUTUAL AUTHENTICATE of the
// right length that does not prove knowledge of the key.
type forgingChip struct{ answer []byte }

func (f *forgingChip) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	if apdu[1] == 0x84 {
		return []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0}, nil
	}
	return append(append([]byte(nil), f.answer...), 0x90, 0), nil
}

func TestBACRejectsForgedChip(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer []byte
	}{
		{"short answer", make([]byte, 39)},
		{"bad MAC", make([]byte, 40)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emrtd.BAC(context.Background(), &forgingChip{tt.answer}, appendixDKey, nil)
			if !errors.Is(err, emrtd.ErrBACResponse) {
				t.Fatalf("err = %v, want ErrBACResponse", err)
			}
		})
	}
}

func TestReadFileOverBAC(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, 0, 40000)
	big = append(big, 0x75, 0x83)
	n := 40000 - 5
	big = append(big, byte(n>>16), byte(n>>8), byte(n))
	for i := 0; len(big) < 40000; i++ {
		big = append(big, byte(i*7))
	}
	card, err := vchip.New(vchip.Config{
		MRZ:   appendixDKey,
		Files: map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM), 0x0102: big},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emrtd.SelectApplication(ctx, card); err != nil {
		t.Fatal(err)
	}
	// Without access control, LDS files are protected.
	if err := emrtd.SelectFile(ctx, card, emrtd.FIDCOM); !errors.Is(err, emrtd.ErrSecurityStatus) {
		t.Fatalf("unauthenticated SELECT: %v, want ErrSecurityStatus", err)
	}
	sess, err := emrtd.BAC(ctx, card, appendixDKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	com, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "EF.COM", com, appendixDCOM)
	// A file beyond 32 KiB needs READ BINARY with odd INS (DO'85').
	got, err := emrtd.ReadFile(ctx, sess, 0x0102)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("large file differs (%d bytes read)", len(got))
	}
	// A missing data group is reported as such, protected by SM.
	if err := emrtd.SelectFile(ctx, sess, 0x010F); !errors.Is(err, emrtd.ErrFileNotFound) {
		t.Fatalf("missing file: %v, want ErrFileNotFound", err)
	}
	// The channel is still usable afterwards.
	if _, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFromMRZ(t *testing.T) {
	// ICAO 9303-11 Appendix D.2: document L898902C<, born 690806, expiring 940623.
	m, err := mrz.Parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14")
	if m == nil {
		t.Fatal(err)
	}
	info, err := emrtd.KeyFromMRZ(m).Information()
	if err != nil {
		t.Fatal(err)
	}
	if info != "L898902C<369080619406236" {
		t.Fatalf("MRZ information %q", info)
	}
}
