package wsq

import (
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"math"
	"strconv"
)

// Encode compresses img as a WSQ file at the bit rate of opts and writes it
// to w. The file carries a NISTCOM comment (size, depth, PPI, bit rate) and,
// when opts.Comment is set, a second comment with that text. Images must be
// at least MinDimension pixels in each direction.
func Encode(w io.Writer, img *image.Gray, opts Options) error {
	if img == nil {
		return fmt.Errorf("%w: nil image", ErrInvalidImage)
	}
	bitrate := opts.Bitrate
	if bitrate == 0 {
		bitrate = DefaultBitrate
	}
	if !(bitrate > 0 && bitrate <= 8) {
		return fmt.Errorf("%w: bit rate %v outside (0, 8]", ErrInvalidImage, opts.Bitrate)
	}
	if len(opts.Comment) > MaxCommentLen {
		return fmt.Errorf("%w: comment of %d bytes exceeds %d", ErrInvalidImage, len(opts.Comment), MaxCommentLen)
	}
	width, height := img.Rect.Dx(), img.Rect.Dy()
	if err := checkDims(width, height); err != nil {
		return err
	}
	e := newEncoder(width, height)
	out, err := e.encode(img, bitrate, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("wsq: writing output: %w", err)
	}
	return nil
}

type encoder struct {
	width, height int
	tree          [numNodes]wnode
	qt            [numSubbands]rect
	plane         []float32
	tr            *transform
	out           []byte
}

func newEncoder(width, height int) *encoder {
	e := &encoder{width: width, height: height}
	e.tree = waveletTree(width, height)
	e.qt = quantTree(&e.tree)
	e.plane = make([]float32, width*height)
	e.tr = newTransform(width, height)
	return e
}

// scaled is a value in the format's scale/integer form.
type scaled struct {
	scale byte
	val   uint32
}

func toScaled(v float64, max uint32) (scaled, float32) {
	s, n := encodeScaled(v, max)
	return scaled{s, n}, decodeScaled(s, n)
}

func (e *encoder) encode(img *image.Gray, bitrate float64, opts Options) ([]byte, error) {
	w, h := e.width, e.height
	// Shift by the mean and scale to about ±128.
	sum, lo, hi := 0, 255, 0
	for y := 0; y < h; y++ {
		row := img.Pix[(y)*img.Stride : y*img.Stride+w]
		for _, p := range row {
			sum += int(p)
			lo = min(lo, int(p))
			hi = max(hi, int(p))
		}
	}
	mean := float64(sum) / float64(w*h)
	rs := math.Max(mean-float64(lo), float64(hi)-mean) / 128
	mShiftS, mShift := toScaled(mean, 0xFFFF)
	rScaleS, rScale := toScaled(rs, 0xFFFF)
	if rScale == 0 {
		rScaleS, rScale = scaled{0, 1}, 1 // constant image
	}
	inv := 1 / rScale
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		dst := e.plane[y*w : y*w+w]
		for x, p := range row {
			dst[x] = (float32(p) - mShift) * inv
		}
	}

	e.tr.decompose(e.plane, w, &e.tree)
	vars := subbandVariances(e.plane, w, &e.qt)
	bins := binWidths(&vars, bitrate)

	// Quantisation table as the decoder will read it; the encoder quantises
	// with the same rounded values.
	var qt quantTable
	var qs, zs [numSubbands]scaled
	cs := scaled{2, 44}
	qt.binCenter = decodeScaled(cs.scale, cs.val)
	coef := make([]int16, w*h)
	for {
		for i := 0; i < codedBands; i++ {
			qs[i], zs[i], qt.q[i], qt.z[i] = scaled{}, scaled{}, 0, 0
			if bins[i] <= 0 {
				continue
			}
			qs[i], qt.q[i] = toScaled(bins[i], 0xFFFF)
			if qt.q[i] == 0 {
				qs[i] = scaled{}
				continue
			}
			zs[i], qt.z[i] = toScaled(zeroBinRatio*float64(qt.q[i]), 0xFFFF)
		}
		n, over := quantize(coef, e.plane, w, &e.qt, &qt)
		if over == 0 {
			coef = coef[:n]
			break
		}
		// Bin indices must fit the 16-bit coefficients of the decoder; at
		// high rates on tiny images the rate model asks for finer bins.
		for i := 0; i < codedBands; i++ {
			if over&(1<<i) != 0 {
				bins[i] = math.Max(bins[i]*1.01, maxAbs(e.plane, w, e.qt[i])/(maxIndex-2))
			}
		}
	}
	var blockLen [3]int
	for i := 0; i < codedBands; i++ {
		if qt.q[i] == 0 {
			continue
		}
		b := 0
		if i >= block3Start {
			b = 2
		} else if i >= block2Start {
			b = 1
		}
		blockLen[b] += e.qt[i].w * e.qt[i].h
	}
	blk1 := coef[:blockLen[0]]
	blk2 := coef[blockLen[0] : blockLen[0]+blockLen[1]]
	blk3 := coef[blockLen[0]+blockLen[1]:]

	toks := make([]token, 0, len(coef)/4+16)
	toks = tokenize(toks, blk1)
	n1 := len(toks)
	toks = tokenize(toks, blk2)
	n2 := len(toks)
	toks = tokenize(toks, blk3)
	tok1, tok2, tok3 := toks[:n1], toks[n1:n2], toks[n2:]
	var f1, f2 [numSymbols]int
	countSymbols(tok1, &f1)
	countSymbols(tok2, &f2)
	countSymbols(tok3, &f2)
	t1, err := buildHuffman(&f1)
	if err != nil {
		return nil, err
	}
	t2, err := buildHuffman(&f2)
	if err != nil {
		return nil, err
	}

	out := make([]byte, 0, w*h/8+4096)
	out = binary.BigEndian.AppendUint16(out, markerSOI)
	out = appendSegment(out, markerCOM, []byte(nistcom(w, h, opts.PPI, bitrate)))
	if opts.Comment != "" {
		out = appendSegment(out, markerCOM, []byte(opts.Comment))
	}
	out = appendSegment(out, markerDTT, dttPayload())
	dqt := make([]byte, 0, 3+6*numSubbands)
	dqt = append(dqt, cs.scale)
	dqt = binary.BigEndian.AppendUint16(dqt, uint16(cs.val))
	for i := 0; i < numSubbands; i++ {
		dqt = append(dqt, qs[i].scale)
		dqt = binary.BigEndian.AppendUint16(dqt, uint16(qs[i].val))
		dqt = append(dqt, zs[i].scale)
		dqt = binary.BigEndian.AppendUint16(dqt, uint16(zs[i].val))
	}
	out = appendSegment(out, markerDQT, dqt)
	sof := []byte{0, 255}
	sof = binary.BigEndian.AppendUint16(sof, uint16(h))
	sof = binary.BigEndian.AppendUint16(sof, uint16(w))
	sof = append(sof, mShiftS.scale)
	sof = binary.BigEndian.AppendUint16(sof, uint16(mShiftS.val))
	sof = append(sof, rScaleS.scale)
	sof = binary.BigEndian.AppendUint16(sof, uint16(rScaleS.val))
	sof = append(sof, 2, 0, 0) // encoder number 2, software implementation 0
	out = appendSegment(out, markerSOF, sof)

	out = appendSegment(out, markerDHT, dhtPayload(0, t1))
	out = appendSegment(out, markerSOB, []byte{0})
	out = writeBlock(out, tok1, t1)
	out = appendSegment(out, markerDHT, dhtPayload(1, t2))
	out = appendSegment(out, markerSOB, []byte{1})
	out = writeBlock(out, tok2, t2)
	out = appendSegment(out, markerSOB, []byte{1})
	out = writeBlock(out, tok3, t2)
	out = binary.BigEndian.AppendUint16(out, markerEOI)
	return out, nil
}

func appendSegment(out []byte, m uint16, payload []byte) []byte {
	out = binary.BigEndian.AppendUint16(out, m)
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// nistcom builds the NISTCOM comment NBIS writes: one "KEY value" per line,
// NIST_COM giving the number of lines.
func nistcom(w, h, ppi int, bitrate float64) string {
	if ppi <= 0 {
		ppi = -1
	}
	return "NIST_COM 9\n" +
		"PIX_WIDTH " + strconv.Itoa(w) + "\n" +
		"PIX_HEIGHT " + strconv.Itoa(h) + "\n" +
		"PIX_DEPTH 8\n" +
		"PPI " + strconv.Itoa(ppi) + "\n" +
		"LOSSY 1\n" +
		"COLORSPACE GRAY\n" +
		"COMPRESSION WSQ\n" +
		"WSQ_BITRATE " + strconv.FormatFloat(bitrate, 'f', 6, 64)
}

// dttPayload is the transform table: filter lengths, then the centre and
// one side of the lowpass and of the highpass filter, each as sign byte,
// scale byte and 32-bit value.
func dttPayload() []byte {
	lo, hi := stdFilters()
	p := []byte{9, 7}
	put := func(v float64) {
		var sign byte
		if v < 0 {
			sign, v = 1, -v
		}
		s, n := encodeScaled(v, 0xFFFFFFFF)
		p = append(p, sign, s)
		p = binary.BigEndian.AppendUint32(p, n)
	}
	for _, v := range lo {
		put(v)
	}
	for _, v := range hi {
		put(v)
	}
	return p
}

func dhtPayload(id byte, t *huffTable) []byte {
	p := []byte{id}
	for l := 1; l <= maxCodeLen; l++ {
		p = append(p, byte(t.counts[l]))
	}
	return append(p, t.values...)
}

// token is one coder symbol with its extra bits (n of them, in extra).
type token struct {
	sym   uint8
	n     uint8
	extra uint16
}

// tokenize splits a block of quantised coefficients into coder symbols:
// zero runs (up to 65535) and coefficients, with their extra bits.
func tokenize(dst []token, coef []int16) []token {
	for i := 0; i < len(coef); {
		v := int(coef[i])
		if v == 0 {
			j := i + 1
			for j < len(coef) && coef[j] == 0 && j-i < 0xFFFF {
				j++
			}
			run := j - i
			i = j
			switch {
			case run <= symMaxRun:
				dst = append(dst, token{sym: uint8(run)})
			case run <= 0xFF:
				dst = append(dst, token{symRun8, 8, uint16(run)})
			default:
				dst = append(dst, token{symRun16, 16, uint16(run)})
			}
			continue
		}
		i++
		switch {
		case v >= coefMin && v <= coefMax:
			dst = append(dst, token{sym: uint8(v + symCoefBias)})
		case v > 0xFF:
			dst = append(dst, token{symPos16, 16, uint16(v)})
		case v > 0:
			dst = append(dst, token{symPos8, 8, uint16(v)})
		case v < -0xFF:
			dst = append(dst, token{symNeg16, 16, uint16(-v)})
		default:
			dst = append(dst, token{symNeg8, 8, uint16(-v)})
		}
	}
	return dst
}

func countSymbols(toks []token, freq *[numSymbols]int) {
	for _, t := range toks {
		freq[t.sym]++
	}
}

// writeBlock appends the Huffman-coded block, stuffing a zero byte after
// every 0xFF and padding the last byte with 1 bits.
func writeBlock(out []byte, toks []token, t *huffTable) []byte {
	var acc uint64
	var n uint
	flush := func() {
		for n >= 8 {
			n -= 8
			b := byte(acc >> n)
			out = append(out, b)
			if b == 0xFF {
				out = append(out, 0)
			}
		}
	}
	for _, tk := range toks {
		acc = acc<<t.size[tk.sym] | uint64(t.code[tk.sym])
		n += uint(t.size[tk.sym])
		if tk.n > 0 {
			acc = acc<<tk.n | uint64(tk.extra)
			n += uint(tk.n)
		}
		if n >= 32 {
			flush()
		}
	}
	if pad := (8 - n%8) % 8; pad > 0 {
		acc = acc<<pad | (1<<pad - 1)
		n += pad
	}
	flush()
	return out
}

// maxIndex bounds the magnitude of quantised coefficients, leaving margin
// below the int16 range the reference decoder stores them in.
const maxIndex = 32000

// maxAbs is the largest coefficient magnitude in subband r.
func maxAbs(plane []float32, w int, r rect) float64 {
	var m float32
	for y := r.y; y < r.y+r.h; y++ {
		for _, f := range plane[y*w+r.x : y*w+r.x+r.w] {
			if f < 0 {
				f = -f
			}
			m = max(m, f)
		}
	}
	return float64(m)
}
