package fir

import (
	"encoding/binary"
	"fmt"
	"time"
)

const (
	header2005Len = 32
	view2005Len   = 14
	header2011Len = 16
)

// MarshalBinary encodes the record in its edition.
func (r *Record) MarshalBinary() ([]byte, error) {
	if len(r.Images) == 0 {
		return nil, fmt.Errorf("%w: a record needs at least one image", ErrFormat)
	}
	for i := range r.Images {
		if err := r.Images[i].check(); err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, err)
		}
	}
	switch r.Version {
	case V2005:
		return r.marshal2005()
	case V2011:
		return r.marshal2011()
	}
	return nil, fmt.Errorf("%w: unknown version %d", ErrFormat, int(r.Version))
}

func (im *Image) check() error {
	switch {
	case !im.Position.valid():
		return fmt.Errorf("%w: position code %d is not defined", ErrFormat, im.Position)
	case im.Width == 0 || im.Height == 0:
		return fmt.Errorf("%w: image size %dx%d", ErrFormat, im.Width, im.Height)
	case im.BitDepth == 0 || im.BitDepth > 16:
		return fmt.Errorf("%w: bit depth %d (1 to 16)", ErrFormat, im.BitDepth)
	case im.Units != PixelsPerInch && im.Units != PixelsPerCm:
		return fmt.Errorf("%w: resolution units %d (1: ppi, 2: ppcm)", ErrFormat, im.Units)
	case len(im.Data) == 0:
		return fmt.Errorf("%w: no image data", ErrFormat)
	}
	if im.Compression == Raw && im.BitDepth == 8 && len(im.Data) != int(im.Width)*int(im.Height) {
		return fmt.Errorf("%w: raw 8-bit %dx%d image needs %d bytes, has %d", ErrFormat,
			im.Width, im.Height, int(im.Width)*int(im.Height), len(im.Data))
	}
	return nil
}

func (r *Record) marshal2005() ([]byte, error) {
	first := &r.Images[0]
	if len(r.Images) > 255 {
		return nil, fmt.Errorf("%w: %d images, the 2005 edition holds at most 255", ErrFormat, len(r.Images))
	}
	total := header2005Len
	views := map[Position]int{}
	for i := range r.Images {
		im := &r.Images[i]
		if im.Units != first.Units || im.ScanResX != first.ScanResX || im.ScanResY != first.ScanResY ||
			im.ImageResX != first.ImageResX || im.ImageResY != first.ImageResY ||
			im.BitDepth != first.BitDepth || im.Compression != first.Compression {
			return nil, fmt.Errorf("%w: image %d differs from image 1 in resolution, depth or compression, which the 2005 edition keeps in the record header", ErrFormat, i+1)
		}
		views[im.Position]++
		total += view2005Len + len(im.Data)
	}
	if uint64(total) >= 1<<48 {
		return nil, fmt.Errorf("%w: record of %d bytes is too long", ErrFormat, total)
	}
	comp, err := first.Compression.code(V2005)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, total)
	b = append(b, "FIR\x00010\x00"...)
	b = append(b, byte(total>>40), byte(total>>32), byte(total>>24), byte(total>>16), byte(total>>8), byte(total))
	b = binary.BigEndian.AppendUint16(b, r.DeviceID)
	b = binary.BigEndian.AppendUint16(b, r.AcquisitionLevel)
	b = append(b, byte(len(r.Images)), byte(first.Units))
	for _, v := range []uint16{first.ScanResX, first.ScanResY, first.ImageResX, first.ImageResY} {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	b = append(b, first.BitDepth, comp, 0, 0)
	for i := range r.Images {
		im := &r.Images[i]
		n := view2005Len + len(im.Data)
		if uint64(n) > 0xFFFFFFFF {
			return nil, fmt.Errorf("%w: image %d is too large", ErrFormat, i+1)
		}
		var q uint8
		if len(im.Quality) > 0 {
			q = im.Quality[0].Score
		}
		b = binary.BigEndian.AppendUint32(b, uint32(n))
		b = append(b, byte(im.Position), byte(views[im.Position]), im.ViewNumber, q, byte(im.Impression))
		b = binary.BigEndian.AppendUint16(b, im.Width)
		b = binary.BigEndian.AppendUint16(b, im.Height)
		b = append(b, 0)
		b = append(b, im.Data...)
	}
	return b, nil
}

func (im *Image) repr2011Len(certified bool) int {
	n := 4 + 9 + 1 + 2 + 2 + 1 + 5*len(im.Quality)
	if certified {
		n += 1 + 3*len(im.Certifications)
	}
	return n + 1 + 1 + 1 + 8 + 1 + 1 + 1 + 4 + 4 + len(im.Data) + len(im.Extended)
}

func (r *Record) marshal2011() ([]byte, error) {
	if len(r.Images) > 0xFFFF {
		return nil, fmt.Errorf("%w: %d images is too many", ErrFormat, len(r.Images))
	}
	total := header2011Len
	fingers := map[Position]bool{}
	for i := range r.Images {
		im := &r.Images[i]
		if len(im.Quality) > 255 || len(im.Certifications) > 255 {
			return nil, fmt.Errorf("%w: image %d has more than 255 quality or certification blocks", ErrFormat, i+1)
		}
		if !r.Certified && len(im.Certifications) > 0 {
			return nil, fmt.Errorf("%w: image %d has certification blocks but the record is not flagged certified", ErrFormat, i+1)
		}
		fingers[im.Position] = true
		total += im.repr2011Len(r.Certified)
	}
	if uint64(total) > 0xFFFFFFFF {
		return nil, fmt.Errorf("%w: record of %d bytes is too long", ErrFormat, total)
	}
	b := make([]byte, 0, total)
	b = append(b, "FIR\x00020\x00"...)
	b = binary.BigEndian.AppendUint32(b, uint32(total))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Images)))
	cert := byte(0)
	if r.Certified {
		cert = 1
	}
	b = append(b, cert, byte(len(fingers)))
	for i := range r.Images {
		im := &r.Images[i]
		comp, err := im.Compression.code(V2011)
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, err)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(im.repr2011Len(r.Certified)))
		b = appendTime(b, im.Captured)
		b = append(b, im.DeviceTechnology)
		b = binary.BigEndian.AppendUint16(b, im.DeviceVendor)
		b = binary.BigEndian.AppendUint16(b, im.DeviceType)
		b = append(b, byte(len(im.Quality)))
		for _, q := range im.Quality {
			b = append(b, q.Score)
			b = binary.BigEndian.AppendUint16(b, q.VendorID)
			b = binary.BigEndian.AppendUint16(b, q.AlgorithmID)
		}
		if r.Certified {
			b = append(b, byte(len(im.Certifications)))
			for _, c := range im.Certifications {
				b = binary.BigEndian.AppendUint16(b, c.AuthorityID)
				b = append(b, c.SchemeID)
			}
		}
		b = append(b, byte(im.Position), im.ViewNumber, byte(im.Units))
		for _, v := range []uint16{im.ScanResX, im.ScanResY, im.ImageResX, im.ImageResY} {
			b = binary.BigEndian.AppendUint16(b, v)
		}
		b = append(b, im.BitDepth, comp, byte(im.Impression))
		b = binary.BigEndian.AppendUint16(b, im.Width)
		b = binary.BigEndian.AppendUint16(b, im.Height)
		b = binary.BigEndian.AppendUint32(b, uint32(len(im.Data)))
		b = append(b, im.Data...)
		b = append(b, im.Extended...)
	}
	return b, nil
}

// appendTime writes the 9-byte capture date and time in UTC, or all 0xFF
// when t is zero.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	t = t.UTC()
	b = binary.BigEndian.AppendUint16(b, uint16(t.Year()))
	b = append(b, byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute()), byte(t.Second()))
	return binary.BigEndian.AppendUint16(b, uint16(t.Nanosecond()/int(time.Millisecond)))
}
