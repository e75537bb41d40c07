package tlv

// AppendTag appends the encoding of t to dst.
func AppendTag(dst []byte, t Tag) []byte {
	for i := t.Len() - 1; i >= 0; i-- {
		dst = append(dst, byte(t>>(8*i)))
	}
	return dst
}

// AppendLength appends the minimal definite-length encoding of n to dst.
// It panics if n is negative, which is a programming error.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0:
		panic("tlv: negative length")
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// Append appends the data object (t, value) to dst.
func Append(dst []byte, t Tag, value []byte) []byte {
	dst = AppendTag(dst, t)
	dst = AppendLength(dst, len(value))
	return append(dst, value...)
}

// Encode returns the encoding of the data object (t, value).
func Encode(t Tag, value []byte) []byte {
	return Append(make([]byte, 0, t.Len()+5+len(value)), t, value)
}

// EncodeConstructed returns the encoding of a constructed object whose value
// is the concatenation of the already encoded children.
func EncodeConstructed(t Tag, children ...[]byte) []byte {
	n := 0
	for _, c := range children {
		n += len(c)
	}
	out := make([]byte, 0, t.Len()+5+n)
	out = AppendTag(out, t)
	out = AppendLength(out, n)
	for _, c := range children {
		out = append(out, c...)
	}
	return out
}
