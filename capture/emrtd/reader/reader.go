// Package reader reads a whole ePassport or eID chip the way ICAO 9303
// part 11 orders it: access control (PACE with the MRZ or CAN as EF.CardAccess
// offers it, falling back to BAC when PACE is absent or refused), the LDS1
// files (EF.COM, DG1, DG2, DG7, DG11, DG12, DG14, DG15, EF.SOD), Passive
// Authentication against a CSCA trust store, and clone detection (Chip
// Authentication, or the PACE-CAM check, and Active Authentication). The
// DG2 face may be an ISO/IEC 19794-5:2005 record or an ISO/IEC
// 39794-5:2019 data block (package lds decodes both); the first face is
// decoded by its content to check the portrait.
//
// It works over any emrtd.Transport: a PC/SC reader (drivers/pcsc) or the
// virtual chip (emrtd/vchip). The Result says what was read, how, and what
// was verified; a step that cannot run is reported, not fatal, unless the
// chip cannot be opened or its data cannot be read.
package reader

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/clonecheck"
	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/emrtd/passive"
)

// Access is what opens the chip: the MRZ key, the CAN, or both (PACE
// with the CAN is then tried first).
type Access struct {
	MRZ *emrtd.MRZKey
	CAN string
}

// Options tune Read.
type Options struct {
	// Trust holds the CSCA certificates for Passive Authentication; nil
	// reports the chain check as skipped.
	Trust *passive.TrustStore
	// SkipFace leaves DG2 unread (faster when only the data is needed).
	SkipFace bool
	// ShortAPDUs reads with short APDUs even when the chip announces
	// extended length support, for readers that do not pass extended APDUs.
	ShortAPDUs bool
	// Rand supplies challenges and ephemeral keys; nil means crypto/rand.
	Rand io.Reader
	// Now is the clock for certificate validity; time.Now when nil.
	Now func() time.Time
	// Progress, when set, is told each step as it starts.
	Progress func(step string)
}

// Verdict is the outcome of a check.
type Verdict string

// Verdicts.
const (
	Passed       Verdict = "passed"
	Failed       Verdict = "failed"
	NotSupported Verdict = "not-supported" // the chip does not offer it
)

// Check is a verdict with its reason.
type Check struct {
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail,omitempty"`
}

// Result is what Read found.
type Result struct {
	// Access names the protocol that opened the chip, e.g. "BAC" or
	// "PACE id-PACE-ECDH-GM-AES-CBC-CMAC-128 (MRZ)".
	Access string `json:"access"`
	// PACEError explains why PACE was not used when BAC was.
	PACEError string          `json:"paceError,omitempty"`
	COM       *lds.COM        `json:"com,omitempty"`
	DG1       *lds.DG1        `json:"dg1,omitempty"`
	Faces     []lds.FaceImage `json:"-"`
	// Portrait describes the first DG2 image once decoded (JPEG or JPEG 2000).
	Portrait *Portrait `json:"portrait,omitempty"`
	// Signatures are the images of DG7 (displayed signature or usual mark).
	Signatures [][]byte  `json:"-"`
	DG11       *lds.DG11 `json:"dg11,omitempty"`
	DG12       *lds.DG12 `json:"dg12,omitempty"`
	// Groups are the raw data groups read, by number, and SOD is EF.SOD:
	// what the enrollment keeps.
	Groups map[int][]byte `json:"-"`
	SOD    []byte         `json:"-"`
	// Passive, Chip and Active are the authenticity checks.
	Passive *passive.Result `json:"passive,omitempty"`
	// CardSecurity is the check of EF.CardSecurity, read after PACE with
	// Chip Authentication Mapping: its signed key is what CAM is checked
	// against. CardSecurityRaw is the file.
	CardSecurity    *passive.CardSecurityResult `json:"cardSecurity,omitempty"`
	CardSecurityRaw []byte                      `json:"-"`
	Chip            Check                       `json:"chipAuthentication"`
	Active          Check                       `json:"activeAuthentication"`
	// Problems lists data groups that could not be parsed.
	Problems []string `json:"problems,omitempty"`
	// ReadSize is the READ BINARY length used: above 223 the chip and the
	// reader exchange extended-length APDUs.
	ReadSize int           `json:"readSize"`
	APDUs    int           `json:"apdus"`
	Duration time.Duration `json:"duration"`
}

// Portrait is the decoded size of the face image.
type Portrait struct {
	// Format is the image format DG2 declares ("JPEG", "JPEG2000"); empty
	// when an ISO/IEC 39794-5 face declares another image data format
	// code and the image decoded all the same.
	Format string `json:"format"`
	// Standard is the face encoding of DG2: "ISO/IEC 19794-5:2005" or
	// "ISO/IEC 39794-5:2019".
	Standard      string `json:"standard"`
	Width, Height int
}

// decodePortrait checks that a DG2 image decodes and returns its size.
// The image is decoded by its content, whatever format DG2 declares.
func decodePortrait(f lds.FaceImage) (*Portrait, error) {
	img, err := gocv.IMDecode(f.Image, gocv.IMReadColor)
	if err != nil || img.Empty() {
		return nil, fmt.Errorf("the %s portrait of DG2 (%s) does not decode", formatName(f), f.Standard())
	}
	defer img.Close()
	return &Portrait{Format: string(f.Format), Standard: string(f.Standard()), Width: img.Cols(), Height: img.Rows()}, nil
}

// formatName names the image format a DG2 face declares, for messages.
func formatName(f lds.FaceImage) string {
	switch {
	case f.Format != "":
		return string(f.Format)
	case f.Extensible != nil:
		return fmt.Sprintf("image data format %d", f.Extensible.ImageDataFormat)
	}
	return "unknown"
}

// Genuine reports whether Passive Authentication passed, EF.CardSecurity
// (when read) is signed by a trusted document signer, and no clone check
// failed.
func (r *Result) Genuine() bool {
	return r.Passive != nil && r.Passive.Passed() && (r.CardSecurity == nil || r.CardSecurity.Passed()) &&
		r.Chip.Verdict != Failed && r.Active.Verdict != Failed
}

// counter counts the APDUs sent over a transport.
type counter struct {
	next emrtd.Transport
	n    int
}

func (c *counter) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c.n++
	return c.next.Transmit(ctx, apdu)
}

// ErrAccess wraps failures to open the chip (wrong MRZ or CAN, no
// protocol in common).
var ErrAccess = errors.New("reader: the chip could not be opened")

// Read opens the chip behind t with access and reads and checks the
// document.
func Read(ctx context.Context, t emrtd.Transport, access Access, opt Options) (*Result, error) {
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	progress := func(s string) {
		if opt.Progress != nil {
			opt.Progress(s)
		}
	}
	start := time.Now()
	ct := &counter{next: t}
	r := &Result{Groups: map[int][]byte{}}
	defer func() { r.APDUs, r.Duration = ct.n, time.Since(start) }()

	r.ReadSize = emrtd.DefaultChunk
	if !opt.ShortAPDUs {
		progress("EF.ATR/INFO")
		if n, err := emrtd.ExtendedLength(ctx, ct); err == nil && n > emrtd.DefaultChunk+64 {
			r.ReadSize = min(n-64, emrtd.ExtendedChunk)
		}
	}
	progress("access control")
	s, err := open(ctx, ct, access, opt.Rand, r)
	if err != nil {
		return r, err
	}

	progress("EF.COM")
	com, err := emrtd.ReadFileChunked(ctx, s, emrtd.FIDCOM, r.ReadSize)
	if err != nil {
		return r, fmt.Errorf("reader: EF.COM: %w", err)
	}
	if r.COM, err = lds.ParseCOM(com); err != nil {
		return r, fmt.Errorf("reader: %w", err)
	}
	for _, dg := range []int{1, 2, 7, 11, 12, 14, 15} {
		if !r.COM.Has(dg) || (dg == 2 && opt.SkipFace) {
			continue
		}
		progress(fmt.Sprintf("DG%d", dg))
		b, err := emrtd.ReadFileChunked(ctx, s, 0x0100+uint16(dg), r.ReadSize)
		if errors.Is(err, emrtd.ErrSecurityStatus) && (dg == 3 || dg == 4) {
			continue // fingerprints and iris need Terminal Authentication
		}
		if err != nil {
			return r, fmt.Errorf("reader: DG%d: %w", dg, err)
		}
		r.Groups[dg] = b
		parse(dg, b, r)
	}
	progress("EF.SOD")
	if r.SOD, err = emrtd.ReadFileChunked(ctx, s, emrtd.FIDSOD, r.ReadSize); err != nil {
		return r, fmt.Errorf("reader: EF.SOD: %w", err)
	}

	progress("passive authentication")
	if r.Passive, err = passive.Verify(r.SOD, r.Groups, opt.Trust, opt.Now()); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("EF.SOD: %v", err))
	}

	var dg14, cardSecurity *lds.DG14
	if b, ok := r.Groups[14]; ok {
		dg14, _ = lds.ParseDG14(b)
	}
	if r.CardSecurityRaw != nil {
		progress("EF.CardSecurity")
		if cardSecurity, err = checkCardSecurity(r, opt); err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
	}
	progress("chip authentication")
	r.Chip, s = chipAuthentication(ctx, ct, s, dg14, cardSecurity, opt.Rand)
	progress("active authentication")
	r.Active = activeAuthentication(ctx, s, r.Groups[15], dg14, opt.Rand)
	return r, nil
}

// open runs PACE when EF.CardAccess offers it, else (or when it fails) BAC.
func open(ctx context.Context, t emrtd.Transport, access Access, rnd io.Reader, r *Result) (*emrtd.Session, error) {
	if access.MRZ == nil && access.CAN == "" {
		return nil, fmt.Errorf("%w: give the MRZ (document number, dates of birth and expiry) or the CAN", ErrAccess)
	}
	var paceErr error
	if ca, err := emrtd.ReadFile(ctx, t, emrtd.FIDCardAccess); err == nil {
		info, err := chooseInfo(ca)
		if err == nil {
			pw, ref, err := password(access)
			if err == nil {
				s, err := emrtd.PACE(ctx, t, pw, info, emrtd.PACEOptions{Rand: rnd})
				if err == nil {
					if info.Mapping == emrtd.MappingChipAuthentication {
						// The chip's static key for CAM is signed in
						// EF.CardSecurity, in the master file.
						if b, err := emrtd.ReadFile(ctx, s, emrtd.FIDCardSecurity); err == nil {
							r.CardSecurityRaw = b
						} else {
							r.Problems = append(r.Problems, fmt.Sprintf("EF.CardSecurity: %v", err))
						}
					}
					if err := emrtd.SelectApplication(ctx, s); err != nil {
						return nil, fmt.Errorf("%w: select the eMRTD application after PACE: %w", ErrAccess, err)
					}
					r.Access = fmt.Sprintf("PACE %s %s %s (%s)", info.Agreement, info.Mapping, info.Cipher, ref)
					return s, nil
				}
				paceErr = err
			} else {
				paceErr = err
			}
		} else {
			paceErr = err
		}
	} else if !errors.Is(err, emrtd.ErrFileNotFound) {
		paceErr = fmt.Errorf("EF.CardAccess: %w", err)
	}
	if access.MRZ == nil {
		return nil, fmt.Errorf("%w: PACE with the CAN: %v", ErrAccess, paceErr)
	}
	if paceErr != nil {
		r.PACEError = paceErr.Error()
	}
	if err := emrtd.SelectApplication(ctx, t); err != nil {
		return nil, fmt.Errorf("%w: select the eMRTD application: %w", ErrAccess, err)
	}
	s, err := emrtd.BAC(ctx, t, *access.MRZ, rnd)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAccess, err)
	}
	r.Access = "BAC"
	return s, nil
}

func chooseInfo(cardAccess []byte) (emrtd.PACEInfo, error) {
	ca, err := emrtd.ParseCardAccess(cardAccess)
	if err != nil {
		return emrtd.PACEInfo{}, err
	}
	return ca.ChoosePACE()
}

func password(a Access) (emrtd.Password, string, error) {
	if a.CAN != "" {
		pw, err := emrtd.CANPassword(a.CAN)
		return pw, "CAN", err
	}
	pw, err := a.MRZ.PACEPassword()
	return pw, "MRZ", err
}

// parse decodes a data group into the result; a parse failure is a problem,
// not an error: the raw bytes are kept and Passive Authentication still runs.
func parse(dg int, b []byte, r *Result) {
	var err error
	switch dg {
	case 1:
		r.DG1, err = lds.ParseDG1(b)
	case 2:
		var d *lds.DG2
		if d, err = lds.ParseDG2(b); err == nil {
			r.Faces = d.Faces()
			if len(r.Faces) > 0 {
				r.Portrait, err = decodePortrait(r.Faces[0])
			}
		}
	case 7:
		var d *lds.DG7
		if d, err = lds.ParseDG7(b); err == nil {
			r.Signatures = d.Images
		}
	case 11:
		r.DG11, err = lds.ParseDG11(b)
	case 12:
		r.DG12, err = lds.ParseDG12(b)
	}
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
}

// checkCardSecurity verifies EF.CardSecurity and returns its SecurityInfos
// when the signature passed; the result goes in r.CardSecurity.
func checkCardSecurity(r *Result, opt Options) (*lds.DG14, error) {
	cs, err := passive.VerifyCardSecurity(r.CardSecurityRaw, opt.Trust, opt.Now())
	if err != nil {
		return nil, err
	}
	r.CardSecurity = cs
	if cs.Signature != passive.Passed {
		return nil, nil
	}
	infos, err := lds.ParseSecurityInfos(cs.SecurityInfos)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	return infos, nil
}

// chipAuthentication runs CA when DG14 offers it, or checks PACE-CAM
// against the key signed in EF.CardSecurity (DG14's key when the chip has
// no such file), and returns the session to continue with.
func chipAuthentication(ctx context.Context, card emrtd.Transport, s *emrtd.Session, dg14, cardSecurity *lds.DG14, rnd io.Reader) (Check, *emrtd.Session) {
	if cam := s.CAM(); cam != nil {
		src, from := cardSecurity, "EF.CardSecurity"
		if src == nil || len(src.ChipAuthenticationPublicKeys()) == 0 {
			src, from = dg14, "DG14"
		}
		if src == nil || len(src.ChipAuthenticationPublicKeys()) == 0 {
			return Check{Verdict: Failed, Detail: "PACE Chip Authentication Mapping: neither EF.CardSecurity nor DG14 holds the chip's static key"}, s
		}
		key := src.ChipAuthenticationPublicKeys()[0].ChipAuthenticationPublicKey
		if err := cam.Verify(key.PublicKey.PublicKey); err != nil {
			return Check{Verdict: Failed, Detail: err.Error()}, s
		}
		return Check{Verdict: Passed, Detail: "PACE Chip Authentication Mapping (static key from " + from + ")"}, s
	}
	if dg14 == nil {
		return Check{Verdict: NotSupported, Detail: "no DG14"}, s
	}
	keys := dg14.ChipAuthenticationPublicKeys()
	if len(keys) == 0 {
		return Check{Verdict: NotSupported, Detail: "DG14 holds no Chip Authentication key"}, s
	}
	key := keys[0].ChipAuthenticationPublicKey
	infos := dg14.ChipAuthentication()
	if len(infos) == 0 {
		return Check{Verdict: NotSupported, Detail: "DG14 holds no ChipAuthenticationInfo"}, s
	}
	ca := clonecheck.ChipAuthentication{Protocol: infos[0].Protocol, KeyID: -1, PublicKey: key.PublicKey.Raw}
	if key.HasKeyID {
		ca.KeyID = int(key.KeyID)
	}
	ns, err := clonecheck.ChipAuthenticate(ctx, card, s, ca, rnd)
	if err != nil {
		if errors.Is(err, clonecheck.ErrChipAuthentication) && ns == nil {
			return Check{Verdict: NotSupported, Detail: err.Error()}, s
		}
		return Check{Verdict: Failed, Detail: err.Error()}, s
	}
	// The first command under the new keys proves the chip.
	if _, err := emrtd.ReadFile(ctx, ns, emrtd.FIDCOM); err != nil {
		return Check{Verdict: Failed, Detail: "the chip did not continue under the Chip Authentication keys: " + err.Error()}, ns
	}
	return Check{Verdict: Passed, Detail: ca.Protocol.String()}, ns
}

func activeAuthentication(ctx context.Context, s *emrtd.Session, dg15 []byte, dg14 *lds.DG14, rnd io.Reader) Check {
	if dg15 == nil {
		return Check{Verdict: NotSupported, Detail: "no DG15"}
	}
	d, err := lds.ParseDG15(dg15)
	if err != nil {
		return Check{Verdict: Failed, Detail: err.Error()}
	}
	var alg []int
	if dg14 != nil {
		if aa := dg14.ActiveAuthentication(); aa != nil {
			alg = aa.SignatureAlgorithm
		}
	}
	if err := clonecheck.ActiveAuthenticate(ctx, s, d.PublicKey.Raw, alg, rnd); err != nil {
		return Check{Verdict: Failed, Detail: err.Error()}
	}
	return Check{Verdict: Passed}
}
