package wsq

import (
	"fmt"
	"slices"
)

// Symbol alphabet of the entropy coder (FBI WSQ specification, table 3):
//
//	1..100   a run of that many zero coefficients
//	101/102  a positive/negative coefficient, magnitude in the next 8 bits
//	103/104  a positive/negative coefficient, magnitude in the next 16 bits
//	105/106  a zero run whose length is in the next 8/16 bits
//	107..254 the coefficient symbol-180, that is -73..74 (0 excluded)
const (
	symMaxRun   = 100
	symPos8     = 101
	symNeg8     = 102
	symPos16    = 103
	symNeg16    = 104
	symRun8     = 105
	symRun16    = 106
	symCoefBias = 180
	coefMin     = -73
	coefMax     = 74
	maxCodeLen  = 16
	numSymbols  = 256
	maxTables   = 8
	lutBits     = 9
)

// huffTable is one Huffman table as carried in a DHT segment: the number of
// codes of each length 1..16 and the symbols in code order.
type huffTable struct {
	counts [maxCodeLen + 1]int // counts[0] unused
	values []byte

	// Decoding: lut maps the next lutBits bits to length<<8|symbol (length
	// 0: code longer than lutBits); maxcode/mincode/valptr resolve longer
	// codes per length, JPEG style.
	lut     [1 << lutBits]uint16
	maxcode [maxCodeLen + 2]int32
	mincode [maxCodeLen + 1]int32
	valptr  [maxCodeLen + 1]int32

	// Encoding: code and length by symbol (length 0: symbol absent).
	code [numSymbols]uint16
	size [numSymbols]uint8
}

// build derives the canonical codes from counts and values and fills the
// decoding and encoding tables. It rejects over-subscribed tables.
func (t *huffTable) build() error {
	total := 0
	for l := 1; l <= maxCodeLen; l++ {
		total += t.counts[l]
	}
	if total == 0 || total > numSymbols || total != len(t.values) {
		return fmt.Errorf("%d codes for %d symbols", total, len(t.values))
	}
	code := 0
	k := 0
	for l := 1; l <= maxCodeLen; l++ {
		n := t.counts[l]
		t.valptr[l] = int32(k)
		t.mincode[l] = int32(code)
		if n == 0 {
			t.maxcode[l] = -1
		} else {
			t.maxcode[l] = int32(code + n - 1)
		}
		for i := 0; i < n; i++ {
			if code >= 1<<l {
				return fmt.Errorf("over-subscribed at code length %d", l)
			}
			sym := t.values[k]
			t.code[sym] = uint16(code)
			t.size[sym] = uint8(l)
			if l <= lutBits {
				shift := lutBits - l
				base := code << shift
				for j := 0; j < 1<<shift; j++ {
					t.lut[base+j] = uint16(l)<<8 | uint16(sym)
				}
			}
			code++
			k++
		}
		if code > 1<<l {
			return fmt.Errorf("over-subscribed at code length %d", l)
		}
		code <<= 1
	}
	t.maxcode[maxCodeLen+1] = 1 << 30 // sentinel, never reached for valid codes
	return nil
}

// buildHuffman computes a length-limited Huffman table for the symbol
// frequencies freq (JPEG Annex K procedure). A reserved extra symbol keeps
// every code from consisting only of 1 bits, so the 1-bit padding at the end
// of a block can never decode as a symbol.
func buildHuffman(freq *[numSymbols]int) (*huffTable, error) {
	const n = numSymbols + 1
	var f [n]int
	copy(f[:], freq[:])
	f[numSymbols] = 1
	used := 0
	for _, v := range freq {
		if v > 0 {
			used++
		}
	}
	if used == 0 {
		// An empty block still needs a valid table: give it one symbol.
		f[1] = 1
	}
	var codesize [n]int
	var others [n]int
	for i := range others {
		others[i] = -1
	}
	for {
		// Find the two least frequent, the larger index winning ties.
		v1, v2 := -1, -1
		for i := 0; i < n; i++ {
			if f[i] == 0 {
				continue
			}
			if v1 < 0 || f[i] <= f[v1] {
				v1 = i
			}
		}
		for i := 0; i < n; i++ {
			if f[i] == 0 || i == v1 {
				continue
			}
			if v2 < 0 || f[i] <= f[v2] {
				v2 = i
			}
		}
		if v2 < 0 {
			break
		}
		f[v1] += f[v2]
		f[v2] = 0
		codesize[v1]++
		for others[v1] >= 0 {
			v1 = others[v1]
			codesize[v1]++
		}
		others[v1] = v2
		codesize[v2]++
		for others[v2] >= 0 {
			v2 = others[v2]
			codesize[v2]++
		}
	}
	var bits [64]int
	for i := 0; i < n; i++ {
		if codesize[i] > 0 {
			bits[codesize[i]]++
		}
	}
	// Limit code lengths to 16 bits.
	for i := len(bits) - 1; i > maxCodeLen; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}
	// Drop the reserved symbol: it holds one of the longest codes.
	for i := maxCodeLen; i > 0; i-- {
		if bits[i] > 0 {
			bits[i]--
			break
		}
	}
	t := &huffTable{}
	for l := 1; l <= maxCodeLen; l++ {
		t.counts[l] = bits[l]
	}
	// Symbols sorted by code length, then by value.
	type sl struct{ sym, size int }
	list := make([]sl, 0, used+1)
	for i := 0; i < numSymbols; i++ {
		if codesize[i] > 0 {
			list = append(list, sl{i, codesize[i]})
		}
	}
	slices.SortStableFunc(list, func(a, b sl) int { return a.size - b.size })
	for _, e := range list {
		t.values = append(t.values, byte(e.sym))
	}
	if err := t.build(); err != nil {
		return nil, fmt.Errorf("wsq: building Huffman table: %w", err)
	}
	return t, nil
}
