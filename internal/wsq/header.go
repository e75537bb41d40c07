package wsq

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// source yields the bytes of a WSQ stream, either from memory or from a
// reader (DecodeConfig reads only the headers).
type source interface {
	// next returns the next n bytes; the slice is valid until the next call.
	next(n int) ([]byte, error)
	// offset is the stream offset of the next byte.
	offset() int
}

type sliceSource struct {
	data []byte
	pos  int
}

func (s *sliceSource) next(n int) ([]byte, error) {
	if n > len(s.data)-s.pos {
		return nil, io.ErrUnexpectedEOF
	}
	b := s.data[s.pos : s.pos+n]
	s.pos += n
	return b, nil
}

func (s *sliceSource) offset() int { return s.pos }

type readerSource struct {
	r   *bufio.Reader
	off int
	buf []byte
}

func (s *readerSource) next(n int) ([]byte, error) {
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	m, err := io.ReadFull(s.r, b)
	s.off += m
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func (s *readerSource) offset() int { return s.off }

// quantTable is the content of a DQT segment.
type quantTable struct {
	binCenter float32
	q, z      [numSubbands]float32
}

// header collects the tables and frame parameters read so far.
type header struct {
	width, height  int
	mShift, rScale float32
	haveDTT        bool
	dqt            *quantTable
	huff           [maxTables]*huffTable
	ppi            int
	bitrate        float64
	haveNIST       bool
}

func formatErr(off int, format string, args ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrFormat, off, fmt.Sprintf(format, args...))
}

// readMarker reads a two-byte marker.
func readMarker(src source) (uint16, int, error) {
	off := src.offset()
	b, err := src.next(2)
	if err != nil {
		return 0, off, formatErr(off, "expected a marker, stream ends")
	}
	m := binary.BigEndian.Uint16(b)
	if m < markerSOI || m > markerCOM {
		return 0, off, formatErr(off, "expected a marker, found 0x%04X, which is not a WSQ marker", m)
	}
	return m, off, nil
}

// readSegment reads the length field and payload of the segment whose marker
// was at off.
func readSegment(src source, m uint16, off int) ([]byte, error) {
	b, err := src.next(2)
	if err != nil {
		return nil, formatErr(off, "%s segment: length field truncated", markerName(m))
	}
	n := int(binary.BigEndian.Uint16(b))
	if n < 2 {
		return nil, formatErr(off, "%s segment: length %d below 2", markerName(m), n)
	}
	p, err := src.next(n - 2)
	if err != nil {
		return nil, formatErr(off, "%s segment: length %d runs past the end of the stream", markerName(m), n)
	}
	return p, nil
}

// decodeScaled turns a WSQ scaled integer (value / 10^scale) into a float,
// dividing step by step as the reference implementation does.
func decodeScaled(scale byte, v uint32) float32 {
	f := float32(v)
	for i := 0; i < int(scale); i++ {
		f = float32(float64(f) / 10)
	}
	return f
}

// encodeScaled finds the largest scale for which round(v·10^scale) fits in
// max and returns both. v must be ≥ 0; values above max are clamped.
func encodeScaled(v float64, max uint32) (byte, uint32) {
	if !(v > 0) {
		return 0, 0
	}
	if math.Round(v) > float64(max) {
		return 0, max
	}
	scale := 0
	p := v
	for scale < 20 && math.Round(p*10) <= float64(max) {
		p *= 10
		scale++
	}
	return byte(scale), uint32(math.Round(p))
}

// parseTable handles the table and comment segments that may appear before
// the frame and between blocks.
func (h *header) parseTable(m uint16, off int, p []byte) error {
	switch m {
	case markerDTT:
		return h.parseDTT(off, p)
	case markerDQT:
		return h.parseDQT(off, p)
	case markerDHT:
		return h.parseDHT(off, p)
	case markerCOM:
		h.parseCOM(p)
		return nil
	}
	return formatErr(off, "unexpected %s marker", markerName(m))
}

func (h *header) parseDTT(off int, p []byte) error {
	if len(p) < 2 {
		return formatErr(off, "DTT segment: %d bytes, need the two filter lengths", len(p))
	}
	loLen, hiLen := int(p[0]), int(p[1])
	if loLen != 9 || hiLen != 7 {
		return fmt.Errorf("%w: offset %d: DTT segment: %d/%d-tap filters, only the standard 9/7 wavelet is supported", ErrUnsupported, off, loLen, hiLen)
	}
	const nLo, nHi = 5, 4
	if len(p) != 2+6*(nLo+nHi) {
		return formatErr(off, "DTT segment: %d bytes, want %d for 9/7 filters", len(p), 2+6*(nLo+nHi))
	}
	lo, hi := stdFilters()
	q := p[2:]
	for i := 0; i < nLo+nHi; i++ {
		sign, scale, v := q[0], q[1], binary.BigEndian.Uint32(q[2:6])
		q = q[6:]
		f := float64(decodeScaled(scale, v))
		if sign != 0 {
			f = -f
		}
		want := 0.0
		if i < nLo {
			want = lo[i]
		} else {
			want = hi[i-nLo]
		}
		if math.Abs(f-want) > 1e-5 {
			return fmt.Errorf("%w: offset %d: DTT segment: coefficient %d is %.9f, the standard 9/7 filter has %.9f", ErrUnsupported, off, i, f, want)
		}
	}
	h.haveDTT = true
	return nil
}

func (h *header) parseDQT(off int, p []byte) error {
	const want = 3 + numSubbands*6
	if len(p) != want {
		return formatErr(off, "DQT segment: %d bytes, want %d", len(p), want)
	}
	t := &quantTable{binCenter: decodeScaled(p[0], uint32(binary.BigEndian.Uint16(p[1:3])))}
	q := p[3:]
	for i := 0; i < numSubbands; i++ {
		t.q[i] = decodeScaled(q[0], uint32(binary.BigEndian.Uint16(q[1:3])))
		t.z[i] = decodeScaled(q[3], uint32(binary.BigEndian.Uint16(q[4:6])))
		q = q[6:]
	}
	h.dqt = t
	return nil
}

func (h *header) parseDHT(off int, p []byte) error {
	if len(p) == 0 {
		return formatErr(off, "DHT segment: empty")
	}
	for len(p) > 0 {
		if len(p) < 17 {
			return formatErr(off, "DHT segment: table header truncated (%d bytes left)", len(p))
		}
		id := int(p[0])
		if id >= maxTables {
			return formatErr(off, "DHT segment: table id %d, maximum is %d", id, maxTables-1)
		}
		t := &huffTable{}
		total := 0
		for l := 1; l <= maxCodeLen; l++ {
			t.counts[l] = int(p[l])
			total += t.counts[l]
		}
		p = p[17:]
		if total > len(p) {
			return formatErr(off, "DHT segment: table %d lists %d symbols, only %d bytes left", id, total, len(p))
		}
		t.values = p[:total:total]
		p = p[total:]
		if err := t.build(); err != nil {
			return formatErr(off, "DHT segment: table %d: %v", id, err)
		}
		h.huff[id] = t
	}
	return nil
}

// parseCOM picks PPI and WSQ_BITRATE out of the first NISTCOM comment.
func (h *header) parseCOM(p []byte) {
	if h.haveNIST || !strings.HasPrefix(string(p), "NIST_COM") {
		return
	}
	h.haveNIST = true
	for _, line := range strings.Split(string(p), "\n") {
		key, val, ok := strings.Cut(strings.TrimRight(line, "\r\x00"), " ")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "PPI":
			if v, err := strconv.Atoi(val); err == nil && v > 0 {
				h.ppi = v
			}
		case "WSQ_BITRATE":
			if v, err := strconv.ParseFloat(val, 64); err == nil && v > 0 && !math.IsInf(v, 0) {
				h.bitrate = v
			}
		}
	}
}

func (h *header) parseSOF(off int, p []byte) error {
	if len(p) != 15 {
		return formatErr(off, "SOF segment: %d bytes, want 15", len(p))
	}
	h.height = int(binary.BigEndian.Uint16(p[2:4]))
	h.width = int(binary.BigEndian.Uint16(p[4:6]))
	h.mShift = decodeScaled(p[6], uint32(binary.BigEndian.Uint16(p[7:9])))
	h.rScale = decodeScaled(p[9], uint32(binary.BigEndian.Uint16(p[10:12])))
	switch {
	case h.width*h.height > MaxPixels:
		return fmt.Errorf("%w: offset %d: SOF segment: frame %d×%d is more than %d pixels", ErrTooLarge, off, h.width, h.height, MaxPixels)
	case h.width < MinDimension || h.height < MinDimension:
		return formatErr(off, "SOF segment: frame %d×%d is below the minimum of %d×%d", h.width, h.height, MinDimension, MinDimension)
	}
	return nil
}

// readHeaders reads from SOI up to and including the frame header.
func readHeaders(src source) (*header, error) {
	h := &header{ppi: -1}
	m, off, err := readMarker(src)
	if err != nil {
		return nil, err
	}
	if m != markerSOI {
		return nil, formatErr(off, "stream starts with %s, want SOI", markerName(m))
	}
	for {
		m, off, err = readMarker(src)
		if err != nil {
			return nil, err
		}
		switch m {
		case markerSOF:
			p, err := readSegment(src, m, off)
			if err != nil {
				return nil, err
			}
			if err := h.parseSOF(off, p); err != nil {
				return nil, err
			}
			return h, nil
		case markerDTT, markerDQT, markerDHT, markerCOM:
			p, err := readSegment(src, m, off)
			if err != nil {
				return nil, err
			}
			if err := h.parseTable(m, off, p); err != nil {
				return nil, err
			}
		default:
			return nil, formatErr(off, "%s marker before the frame header", markerName(m))
		}
	}
}

// DecodeConfig reads the headers of a WSQ stream up to the frame header and
// returns the image size and the resolution and bit rate from the NISTCOM
// comment, when it precedes the frame header (as every encoder writes it).
func DecodeConfig(r io.Reader) (Config, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	h, err := readHeaders(&readerSource{r: br})
	if err != nil {
		return Config{}, err
	}
	return Config{Width: h.width, Height: h.height, PPI: h.ppi, Bitrate: h.bitrate}, nil
}
