package wsq

import (
	"fmt"
	"image"
	"io"
	"slices"
)

// Decode reads a WSQ file and returns the reconstructed 8-bit grey image.
// The pixel values follow the reference decoder: the reconstructed value is
// scaled and shifted back, 0.5 is added and the result truncated and
// clamped to 0..255.
func Decode(r io.Reader) (*image.Gray, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("wsq: reading input: %w", err)
	}
	return decodeBytes(data)
}

// DecodeImage is Decode returning an image.Image, for callers that want to
// register the format with image.RegisterFormat("wsq", "\xff\xa0",
// wsq.DecodeImage, wsq.DecodeImageConfig).
func DecodeImage(r io.Reader) (image.Image, error) {
	img, err := Decode(r)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// DecodeImageConfig is DecodeConfig in the form image.RegisterFormat wants.
func DecodeImageConfig(r io.Reader) (image.Config, error) {
	c, err := DecodeConfig(r)
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{ColorModel: grayModel(), Width: c.Width, Height: c.Height}, nil
}

func decodeBytes(data []byte) (*image.Gray, error) {
	src := &sliceSource{data: data}
	h, err := readHeaders(src)
	if err != nil {
		return nil, err
	}
	tree := waveletTree(h.width, h.height)
	qt := quantTree(&tree)

	var coef []int16
	expected := -1
	blocks := 0
	var seg []byte
	for {
		m, off, err := readMarker(src)
		if err != nil {
			return nil, err
		}
		if m == markerEOI {
			break
		}
		p, err := readSegment(src, m, off)
		if err != nil {
			return nil, err
		}
		if m != markerSOB {
			if err := h.parseTable(m, off, p); err != nil {
				return nil, err
			}
			continue
		}
		blocks++
		if len(p) != 1 {
			return nil, formatErr(off, "SOB segment: %d bytes, want 1", len(p))
		}
		id := int(p[0])
		if id >= maxTables || h.huff[id] == nil {
			return nil, formatErr(off, "SOB segment: block %d uses Huffman table %d, which is not defined", blocks, id)
		}
		if !h.haveDTT {
			return nil, formatErr(off, "block %d: no DTT segment before the first block", blocks)
		}
		if h.dqt == nil {
			return nil, formatErr(off, "block %d: no DQT segment before the first block", blocks)
		}
		if expected < 0 {
			expected = 0
			for i := 0; i < codedBands; i++ {
				if h.dqt.q[i] != 0 {
					expected += qt[i].w * qt[i].h
				}
			}
			n := min(expected, 64*len(data)+4096)
			coef = make([]int16, 0, n)
		}
		// Entropy-coded data runs to the next marker.
		dataOff := src.pos
		seg, src.pos, err = unstuff(data, src.pos, seg[:0])
		if err != nil {
			return nil, formatErr(dataOff, "block %d: %v", blocks, err)
		}
		coef, err = decodeBlock(seg, h.huff[id], coef, expected)
		if err != nil {
			return nil, formatErr(dataOff, "block %d: %v", blocks, err)
		}
	}
	if expected < 0 {
		return nil, formatErr(src.pos, "EOI before any data block")
	}
	if len(coef) != expected {
		return nil, formatErr(src.pos, "data blocks hold %d coefficients, the quantisation table needs %d", len(coef), expected)
	}

	w, ht := h.width, h.height
	plane := make([]float32, w*ht)
	unquantize(plane, w, coef, h.dqt, &qt)
	tr := newTransform(w, ht)
	tr.reconstruct(plane, w, &tree)
	img := image.NewGray(image.Rect(0, 0, w, ht))
	toBytes(img.Pix, plane, h.mShift, h.rScale)
	return img, nil
}

// unstuff copies the entropy-coded bytes starting at pos into buf, removing
// the 0x00 stuffed after every 0xFF, and returns them with the position of
// the marker that ends the data.
func unstuff(data []byte, pos int, buf []byte) ([]byte, int, error) {
	for {
		i := slices.Index(data[pos:], 0xFF)
		if i < 0 {
			return buf, pos, fmt.Errorf("entropy-coded data not ended by a marker")
		}
		buf = append(buf, data[pos:pos+i]...)
		pos += i
		if pos+1 >= len(data) {
			return buf, pos, fmt.Errorf("entropy-coded data ends inside a marker")
		}
		if data[pos+1] != 0 {
			return buf, pos, nil
		}
		buf = append(buf, 0xFF)
		pos += 2
	}
}

// bitReader reads bits MSB first from unstuffed entropy-coded data. Past the
// end it supplies 1 bits, the padding value, while tracking how many real
// bits remain.
type bitReader struct {
	data []byte
	pos  int
	acc  uint64
	n    uint // valid bits in acc (right-aligned)
	left int  // real bits not yet consumed
}

func (b *bitReader) fill() {
	for b.n <= 56 {
		var c byte = 0xFF
		if b.pos < len(b.data) {
			c = b.data[b.pos]
		}
		b.pos++
		b.acc = b.acc<<8 | uint64(c)
		b.n += 8
	}
}

func (b *bitReader) peek(k uint) uint32 {
	return uint32(b.acc>>(b.n-k)) & (1<<k - 1)
}

// decodeBlock decodes the symbols of one block, appending coefficients to
// coef (at most limit in total).
func decodeBlock(seg []byte, t *huffTable, coef []int16, limit int) ([]int16, error) {
	br := bitReader{data: seg, left: 8 * len(seg)}
	for br.left > 0 {
		if br.n < 32 {
			br.fill()
		}
		var sym int
		var l uint
		e := t.lut[br.peek(lutBits)]
		if e != 0 {
			l = uint(e >> 8)
			sym = int(e & 0xFF)
		} else {
			found := false
			for l = lutBits + 1; l <= maxCodeLen; l++ {
				c := int32(br.peek(l))
				if c <= t.maxcode[l] {
					sym = int(t.values[t.valptr[l]+c-t.mincode[l]])
					found = true
					break
				}
			}
			if !found {
				if br.left < maxCodeLen {
					return coef, nil // padding before the marker
				}
				return coef, fmt.Errorf("invalid Huffman code %016b with %d bits left", br.peek(maxCodeLen), br.left)
			}
		}
		if int(l) > br.left {
			return coef, nil // the code would extend into the padding
		}
		br.n -= l
		br.left -= int(l)
		var extra uint
		switch sym {
		case symPos8, symNeg8, symRun8:
			extra = 8
		case symPos16, symNeg16, symRun16:
			extra = 16
		}
		var v int
		if extra > 0 {
			if int(extra) > br.left {
				return coef, fmt.Errorf("symbol %d needs %d more bits, %d left", sym, extra, br.left)
			}
			v = int(br.peek(extra))
			br.n -= extra
			br.left -= int(extra)
		}
		switch {
		case sym >= 1 && sym <= symMaxRun, sym == symRun8, sym == symRun16:
			run := sym
			if extra > 0 {
				run = v
			}
			if len(coef)+run > limit {
				return coef, fmt.Errorf("zero run of %d overflows the %d coefficients of the image", run, limit)
			}
			if len(coef)+run > cap(coef) {
				coef = slices.Grow(coef, run)
			}
			// Capacity beyond len has never been written, so it is zero.
			coef = coef[:len(coef)+run]
		case sym > symRun16 && sym < 0xFF:
			if len(coef) >= limit {
				return coef, fmt.Errorf("more than %d coefficients", limit)
			}
			coef = append(coef, int16(sym-symCoefBias))
		case sym == symPos8, sym == symPos16:
			if len(coef) >= limit {
				return coef, fmt.Errorf("more than %d coefficients", limit)
			}
			coef = append(coef, int16(uint16(v)))
		case sym == symNeg8, sym == symNeg16:
			if len(coef) >= limit {
				return coef, fmt.Errorf("more than %d coefficients", limit)
			}
			coef = append(coef, int16(-v))
		default:
			return coef, fmt.Errorf("invalid symbol %d", sym)
		}
	}
	return coef, nil
}
