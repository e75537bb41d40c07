package tlv

import (
	"errors"
	"fmt"
	"strconv"
)

// Limits of the accepted encoding.
const (
	// MaxTagBytes is the longest tag accepted (ISO/IEC 7816-4 allows up to
	// three bytes; four leaves room for proprietary tags).
	MaxTagBytes = 4
	// MaxLengthBytes is the most length bytes accepted after the long-form
	// marker (0x84 followed by four bytes).
	MaxLengthBytes = 4
	// MaxDepth bounds the nesting followed by Walk and FindPath.
	MaxDepth = 32
)

// Sentinel errors; decoders wrap them with the offset where decoding failed.
var (
	// ErrTruncated reports that the input ends before a tag, length or value
	// it announces.
	ErrTruncated = errors.New("tlv: data truncated")
	// ErrInvalidTag reports a tag that cannot start a data object (0x00 or
	// 0xFF, which ISO/IEC 7816-4 reserves for padding).
	ErrInvalidTag = errors.New("tlv: invalid tag")
	// ErrTagTooLong reports a tag longer than MaxTagBytes.
	ErrTagTooLong = errors.New("tlv: tag too long")
	// ErrIndefiniteLength reports the BER indefinite-length form, which ICAO
	// 9303 does not use.
	ErrIndefiniteLength = errors.New("tlv: indefinite length not supported")
	// ErrLengthTooLong reports a length field longer than MaxLengthBytes.
	ErrLengthTooLong = errors.New("tlv: length field too long")
	// ErrNotFound reports that a searched tag is absent.
	ErrNotFound = errors.New("tlv: tag not found")
	// ErrNotConstructed reports an attempt to descend into a primitive object.
	ErrNotConstructed = errors.New("tlv: object is not constructed")
	// ErrTooDeep reports nesting deeper than MaxDepth.
	ErrTooDeep = errors.New("tlv: nesting too deep")
)

// Tag is a BER-TLV tag kept as its encoded bytes read big-endian, so the
// tag written "7F49" in the standards is Tag(0x7F49).
type Tag uint32

// Class is the class of a tag (bits 8 and 7 of its first byte).
type Class uint8

// Tag classes.
const (
	ClassUniversal   Class = 0
	ClassApplication Class = 1
	ClassContext     Class = 2
	ClassPrivate     Class = 3
)

// String returns the class name.
func (c Class) String() string {
	switch c {
	case ClassUniversal:
		return "universal"
	case ClassApplication:
		return "application"
	case ClassContext:
		return "context-specific"
	case ClassPrivate:
		return "private"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// firstByte returns the first encoded byte of the tag.
func (t Tag) firstByte() byte {
	switch {
	case t > 0xFFFFFF:
		return byte(t >> 24)
	case t > 0xFFFF:
		return byte(t >> 16)
	case t > 0xFF:
		return byte(t >> 8)
	}
	return byte(t)
}

// Constructed reports whether the tag marks a constructed object (its value
// is itself a sequence of data objects).
func (t Tag) Constructed() bool { return t.firstByte()&0x20 != 0 }

// Class returns the tag's class.
func (t Tag) Class() Class { return Class(t.firstByte() >> 6) }

// Len returns the number of bytes of the encoded tag.
func (t Tag) Len() int {
	switch {
	case t > 0xFFFFFF:
		return 4
	case t > 0xFFFF:
		return 3
	case t > 0xFF:
		return 2
	}
	return 1
}

// String returns the tag in upper-case hexadecimal, as the standards write it.
func (t Tag) String() string {
	return fmt.Sprintf("%0*X", 2*t.Len(), uint32(t))
}

// Object is one decoded data object. Value and Raw alias the decoded input.
type Object struct {
	// Tag is the object's tag.
	Tag Tag
	// Value is the object's value field.
	Value []byte
	// Raw is the complete encoding: tag, length and value.
	Raw []byte
}

// Children decodes the value of a constructed object into its data objects.
func (o Object) Children() ([]Object, error) {
	if !o.Tag.Constructed() {
		return nil, fmt.Errorf("tlv: children of %s: %w", o.Tag, ErrNotConstructed)
	}
	return DecodeAll(o.Value)
}

// ParseTag decodes the tag at the start of b and returns it with the number
// of bytes it occupies.
func ParseTag(b []byte) (Tag, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("tlv: reading tag: %w", ErrTruncated)
	}
	if b[0] == 0x00 || b[0] == 0xFF {
		return 0, 0, fmt.Errorf("tlv: tag byte %02X: %w", b[0], ErrInvalidTag)
	}
	t := Tag(b[0])
	if b[0]&0x1F != 0x1F {
		return t, 1, nil
	}
	for i := 1; ; i++ {
		if i >= MaxTagBytes {
			return 0, 0, fmt.Errorf("tlv: tag starting %02X: %w", b[0], ErrTagTooLong)
		}
		if i >= len(b) {
			return 0, 0, fmt.Errorf("tlv: reading multi-byte tag: %w", ErrTruncated)
		}
		t = t<<8 | Tag(b[i])
		if b[i]&0x80 == 0 {
			return t, i + 1, nil
		}
	}
}

// ParseLength decodes the length field at the start of b and returns the
// length with the number of bytes the field occupies. It does not check the
// length against the data that follows; Decode does.
func ParseLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("tlv: reading length: %w", ErrTruncated)
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, nil
	}
	if b[0] == 0x80 {
		return 0, 0, ErrIndefiniteLength
	}
	n := int(b[0] & 0x7F)
	if n > MaxLengthBytes {
		return 0, 0, fmt.Errorf("tlv: %d length bytes: %w", n, ErrLengthTooLong)
	}
	if len(b) < 1+n {
		return 0, 0, fmt.Errorf("tlv: reading %d length bytes: %w", n, ErrTruncated)
	}
	var l uint64
	for _, c := range b[1 : 1+n] {
		l = l<<8 | uint64(c)
	}
	if l > uint64(maxInt) {
		return 0, 0, fmt.Errorf("tlv: length %d: %w", l, ErrLengthTooLong)
	}
	return int(l), 1 + n, nil
}

const maxInt = int(^uint(0) >> 1)

// Decode decodes the first data object of b and returns it with the bytes
// that follow it.
func Decode(b []byte) (Object, []byte, error) {
	tag, tn, err := ParseTag(b)
	if err != nil {
		return Object{}, nil, err
	}
	l, ln, err := ParseLength(b[tn:])
	if err != nil {
		return Object{}, nil, fmt.Errorf("tlv: object %s: %w", tag, err)
	}
	start := tn + ln
	if l > len(b)-start {
		return Object{}, nil, fmt.Errorf("tlv: object %s declares %d bytes, %d present: %w",
			tag, l, len(b)-start, ErrTruncated)
	}
	end := start + l
	return Object{Tag: tag, Value: b[start:end:end], Raw: b[:end:end]}, b[end:], nil
}

// DecodeAll decodes b as a sequence of data objects at one level.
func DecodeAll(b []byte) ([]Object, error) {
	var objs []Object
	s := NewScanner(b)
	for s.Scan() {
		objs = append(objs, s.Object())
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return objs, nil
}

// Scanner iterates over the data objects of one level without allocating.
//
//	s := tlv.NewScanner(b)
//	for s.Scan() { use(s.Object()) }
//	if err := s.Err(); err != nil { ... }
type Scanner struct {
	data   []byte
	rest   []byte
	obj    Object
	err    error
	offset int
}

// NewScanner returns a Scanner over b.
func NewScanner(b []byte) *Scanner { return &Scanner{data: b, rest: b} }

// Scan advances to the next object; it returns false at the end of the input
// or on the first error.
func (s *Scanner) Scan() bool {
	if s.err != nil || len(s.rest) == 0 {
		return false
	}
	obj, rest, err := Decode(s.rest)
	if err != nil {
		s.err = fmt.Errorf("at offset %d: %w", len(s.data)-len(s.rest), err)
		return false
	}
	s.obj, s.rest = obj, rest
	return true
}

// Object returns the object found by the last successful Scan.
func (s *Scanner) Object() Object { return s.obj }

// Err returns the first decoding error, or nil at a clean end of input.
func (s *Scanner) Err() error { return s.err }

// Find returns the first object with the given tag at the top level of b.
// It returns ErrNotFound if there is none, and a decoding error if b is
// malformed before the tag is reached.
func Find(b []byte, tag Tag) (Object, error) {
	s := NewScanner(b)
	for s.Scan() {
		if s.Object().Tag == tag {
			return s.Object(), nil
		}
	}
	if err := s.Err(); err != nil {
		return Object{}, err
	}
	return Object{}, fmt.Errorf("tlv: %s: %w", tag, ErrNotFound)
}

// FindPath follows path through nested constructed objects: the first tag is
// looked up at the top level of b, each next one inside the previous
// object's value.
func FindPath(b []byte, path ...Tag) (Object, error) {
	if len(path) == 0 {
		return Object{}, fmt.Errorf("tlv: empty path: %w", ErrNotFound)
	}
	if len(path) > MaxDepth {
		return Object{}, fmt.Errorf("tlv: path of %d tags: %w", len(path), ErrTooDeep)
	}
	var obj Object
	cur := b
	for i, t := range path {
		if i > 0 && !obj.Tag.Constructed() {
			return Object{}, fmt.Errorf("tlv: descending into %s: %w", obj.Tag, ErrNotConstructed)
		}
		o, err := Find(cur, t)
		if err != nil {
			return Object{}, err
		}
		obj, cur = o, o.Value
	}
	return obj, nil
}

// Walk decodes b completely, descending into every constructed object, and
// calls fn for each object with its nesting depth (0 for the top level)
// before visiting its children. It stops at the first error from decoding or
// from fn.
func Walk(b []byte, fn func(depth int, o Object) error) error {
	return walk(b, 0, fn)
}

func walk(b []byte, depth int, fn func(int, Object) error) error {
	if depth >= MaxDepth {
		return ErrTooDeep
	}
	s := NewScanner(b)
	for s.Scan() {
		o := s.Object()
		if err := fn(depth, o); err != nil {
			return err
		}
		if o.Tag.Constructed() {
			if err := walk(o.Value, depth+1, fn); err != nil {
				return fmt.Errorf("inside %s: %w", o.Tag, err)
			}
		}
	}
	return s.Err()
}
