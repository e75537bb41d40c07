package fir

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// reader walks a byte slice and remembers the first overrun.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = fmt.Errorf("%w: %s at offset %d needs %d bytes, %d left", ErrFormat, what, r.off, n, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u8(what string) uint8 {
	if s := r.take(1, what); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if s := r.take(2, what); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if s := r.take(4, what); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

// Parse decodes a finger image record of either edition. The image data
// in the result is copied, so b may be reused.
func Parse(b []byte) (*Record, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("FIR\x00")) {
		return nil, fmt.Errorf("%w: does not start with the format identifier \"FIR\"", ErrFormat)
	}
	switch string(b[4:8]) {
	case "010\x00":
		return parse2005(b)
	case "020\x00":
		return parse2011(b)
	}
	return nil, fmt.Errorf("%w: version %q is neither 010 (2005) nor 020 (2011)", ErrFormat, bytes.TrimRight(b[4:8], "\x00"))
}

func checkLength(declared uint64, have int) error {
	if declared != uint64(have) {
		return fmt.Errorf("%w: header says %d bytes, the record has %d", ErrFormat, declared, have)
	}
	return nil
}

func parse2005(b []byte) (*Record, error) {
	r := &reader{b: b, off: 8}
	l := r.take(6, "record length")
	if r.err != nil {
		return nil, r.err
	}
	length := uint64(l[0])<<40 | uint64(l[1])<<32 | uint64(l[2])<<24 | uint64(l[3])<<16 | uint64(l[4])<<8 | uint64(l[5])
	if err := checkLength(length, len(b)); err != nil {
		return nil, err
	}
	rec := &Record{Version: V2005}
	rec.DeviceID = r.u16("capture device ID")
	rec.AcquisitionLevel = r.u16("acquisition level")
	n := int(r.u8("number of images"))
	units := Units(r.u8("scale units"))
	scanX, scanY := r.u16("scan resolution"), r.u16("scan resolution")
	imgX, imgY := r.u16("image resolution"), r.u16("image resolution")
	depth := r.u8("pixel depth")
	code := r.u8("compression")
	r.take(2, "reserved")
	if r.err != nil {
		return nil, r.err
	}
	comp, err := compressionFromCode(V2005, code)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: the header counts no images", ErrFormat)
	}
	for i := range n {
		start := r.off
		vlen := int64(r.u32("view length"))
		im := Image{Units: units, ScanResX: scanX, ScanResY: scanY, ImageResX: imgX, ImageResY: imgY, BitDepth: depth, Compression: comp}
		im.Position = Position(r.u8("position"))
		r.u8("count of views")
		im.ViewNumber = r.u8("view number")
		im.Quality = []Quality{{Score: r.u8("quality")}}
		im.Impression = Impression(r.u8("impression type"))
		im.Width, im.Height = r.u16("width"), r.u16("height")
		r.u8("reserved")
		if r.err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, r.err)
		}
		if vlen < view2005Len || vlen > int64(len(b)-start) {
			return nil, fmt.Errorf("image %d: %w: view length %d does not fit in the %d bytes left", i+1, ErrFormat, vlen, len(b)-start)
		}
		im.Data = bytes.Clone(r.take(int(vlen)-view2005Len, "image data"))
		if err := im.check(); err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, err)
		}
		rec.Images = append(rec.Images, im)
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the last image", ErrFormat, len(b)-r.off)
	}
	return rec, nil
}

func parse2011(b []byte) (*Record, error) {
	r := &reader{b: b, off: 8}
	length := r.u32("record length")
	n := int(r.u16("number of representations"))
	cert := r.u8("certification flag")
	fingers := int(r.u8("number of fingers"))
	if r.err != nil {
		return nil, r.err
	}
	if err := checkLength(uint64(length), len(b)); err != nil {
		return nil, err
	}
	if cert > 1 {
		return nil, fmt.Errorf("%w: certification flag %d (0 or 1)", ErrFormat, cert)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: the header counts no representations", ErrFormat)
	}
	rec := &Record{Version: V2011, Certified: cert == 1}
	for i := range n {
		im, err := parseRepr2011(r, rec.Certified)
		if err != nil {
			return nil, fmt.Errorf("representation %d: %w", i+1, err)
		}
		rec.Images = append(rec.Images, im)
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the last representation", ErrFormat, len(b)-r.off)
	}
	distinct := map[Position]bool{}
	for _, im := range rec.Images {
		distinct[im.Position] = true
	}
	if fingers != len(distinct) {
		return nil, fmt.Errorf("%w: the header counts %d fingers, the representations hold %d", ErrFormat, fingers, len(distinct))
	}
	return rec, nil
}

func parseRepr2011(r *reader, certified bool) (Image, error) {
	start := r.off
	rlen := int64(r.u32("representation length"))
	if r.err != nil {
		return Image{}, r.err
	}
	if rlen > int64(len(r.b)-start) {
		return Image{}, fmt.Errorf("%w: representation length %d does not fit in the %d bytes left", ErrFormat, rlen, len(r.b)-start)
	}
	end := start + int(rlen)
	var im Image
	var err error
	im.Captured, err = parseTime(r.take(9, "capture date"))
	if err != nil {
		return Image{}, err
	}
	im.DeviceTechnology = r.u8("device technology")
	im.DeviceVendor, im.DeviceType = r.u16("device vendor"), r.u16("device type")
	for range int(r.u8("quality block count")) {
		im.Quality = append(im.Quality, Quality{Score: r.u8("quality score"), VendorID: r.u16("quality vendor"), AlgorithmID: r.u16("quality algorithm")})
	}
	if certified {
		for range int(r.u8("certification block count")) {
			im.Certifications = append(im.Certifications, Certification{AuthorityID: r.u16("certification authority"), SchemeID: r.u8("certification scheme")})
		}
	}
	im.Position = Position(r.u8("position"))
	im.ViewNumber = r.u8("representation number")
	im.Units = Units(r.u8("scale units"))
	im.ScanResX, im.ScanResY = r.u16("scan resolution"), r.u16("scan resolution")
	im.ImageResX, im.ImageResY = r.u16("image resolution"), r.u16("image resolution")
	im.BitDepth = r.u8("bit depth")
	code := r.u8("compression")
	im.Impression = Impression(r.u8("impression type"))
	im.Width, im.Height = r.u16("width"), r.u16("height")
	dlen := int64(r.u32("image data length"))
	if r.err != nil {
		return Image{}, r.err
	}
	if im.Compression, err = compressionFromCode(V2011, code); err != nil {
		return Image{}, err
	}
	if dlen > int64(end-r.off) {
		return Image{}, fmt.Errorf("%w: image data of %d bytes overruns the representation (%d bytes left)", ErrFormat, dlen, end-r.off)
	}
	im.Data = bytes.Clone(r.take(int(dlen), "image data"))
	if end < r.off {
		return Image{}, fmt.Errorf("%w: representation length %d is shorter than its header", ErrFormat, rlen)
	}
	if ext := r.take(end-r.off, "extended data"); len(ext) > 0 {
		im.Extended = bytes.Clone(ext)
	}
	if r.err != nil {
		return Image{}, r.err
	}
	return im, im.check()
}

// parseTime reads the 9-byte capture date and time; all 0xFF means not
// recorded.
func parseTime(b []byte) (time.Time, error) {
	if b == nil {
		return time.Time{}, fmt.Errorf("%w: capture date truncated", ErrFormat)
	}
	if bytes.Equal(b, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) {
		return time.Time{}, nil
	}
	y := int(binary.BigEndian.Uint16(b))
	mo, d, h, mi, s := int(b[2]), int(b[3]), int(b[4]), int(b[5]), int(b[6])
	ms := int(binary.BigEndian.Uint16(b[7:]))
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || ms > 999 {
		return time.Time{}, fmt.Errorf("%w: capture date %04d-%02d-%02d %02d:%02d:%02d.%03d is not a valid time", ErrFormat, y, mo, d, h, mi, s, ms)
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), time.UTC), nil
}
