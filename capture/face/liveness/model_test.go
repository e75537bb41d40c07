package liveness

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// pb is a minimal protobuf writer for the test model.
type pb []byte

func (b pb) key(num, wire int) pb { return binary.AppendUvarint(b, uint64(num<<3|wire)) }
func (b pb) varint(num int, v uint64) pb {
	return binary.AppendUvarint(b.key(num, 0), v)
}
func (b pb) bytes(num int, v []byte) pb {
	return append(binary.AppendUvarint(b.key(num, 2), uint64(len(v))), v...)
}
func (b pb) str(num int, s string) pb { return b.bytes(num, []byte(s)) }

// valueInfo is a float tensor ValueInfoProto with fixed dimensions.
func valueInfo(name string, dims ...int) []byte {
	var shape pb
	for _, d := range dims {
		shape = shape.bytes(1, pb(nil).varint(1, uint64(d)))
	}
	tensor := pb(nil).varint(1, 1).bytes(2, shape) // elem_type FLOAT
	typ := pb(nil).bytes(1, tensor)
	return pb(nil).str(1, name).bytes(2, typ)
}

// floatTensor is a TensorProto initializer.
func floatTensor(name string, dims []int, vals []float32) []byte {
	var t pb
	for _, d := range dims {
		t = t.varint(1, uint64(d))
	}
	t = t.varint(2, 1)
	var raw []byte
	for _, v := range vals {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return t.str(8, name).bytes(9, raw)
}

// kernelShape is the AttributeProto kernel_shape = [1, 1] (type INTS).
func kernelShape() []byte {
	return pb(nil).str(1, "kernel_shape").varint(8, 1).varint(8, 1).varint(20, 7)
}

func node(op string, in []string, out string) []byte {
	var n pb
	for _, i := range in {
		n = n.str(1, i)
	}
	return n.str(2, out).str(4, op)
}

// tinyModel is x[1,3,8,8] → 1×1 Conv (weights 1/3, bias) → Sigmoid →
// GlobalAveragePool → y[1,1,1,1]: a "live probability" of
// sigmoid(mean brightness + bias).
func tinyModel(bias float32) []byte {
	g := pb(nil).
		bytes(1, pb(node("Conv", []string{"x", "w", "b"}, "c")).bytes(5, kernelShape())).
		bytes(1, node("Sigmoid", []string{"c"}, "s")).
		bytes(1, node("GlobalAveragePool", []string{"s"}, "y")).
		str(2, "pad").
		bytes(5, floatTensor("w", []int{1, 3, 1, 1}, []float32{1.0 / 3, 1.0 / 3, 1.0 / 3})).
		bytes(5, floatTensor("b", []int{1}, []float32{bias})).
		bytes(11, valueInfo("x", 1, 3, 8, 8)).
		bytes(12, valueInfo("y", 1, 1, 1, 1))
	return pb(nil).varint(1, 7).str(2, "liveness-test").bytes(7, g).bytes(8, pb(nil).str(1, "").varint(2, 11))
}

func TestModelHook(t *testing.T) {
	dir := t.TempDir()
	face := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 40, 40, gocv.MatTypeCV8UC3)
	defer face.Close()
	tests := []struct {
		name    string
		bias    float32
		want    float64
		corrupt func([]byte) []byte
		errText string
	}{
		{name: "live", bias: 6, want: 1 / (1 + math.Exp(-(6 + 128.0/255)))},
		{name: "attack", bias: -6, want: 1 / (1 + math.Exp(-(-6 + 128.0/255)))},
		{name: "truncated", corrupt: func(b []byte) []byte { return b[:len(b)-9] }, errText: "not a usable model"},
		{name: "garbage", corrupt: func([]byte) []byte { return []byte("not an onnx file at all") }, errText: "not a usable model"},
		{name: "no graph", corrupt: func([]byte) []byte { return pb(nil).varint(1, 7) }, errText: "no graph"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tinyModel(tc.bias)
			if tc.corrupt != nil {
				b = tc.corrupt(b)
			}
			path := filepath.Join(dir, tc.name+".onnx")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := LoadModel(path, ModelOptions{})
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %v, want %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.InputSize().X != 8 || m.InputSize().Y != 8 {
				t.Errorf("input size %v, want the graph's 8×8", m.InputSize())
			}
			got, err := m.Score(face)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-3 {
				t.Errorf("score %.4f, want %.4f", got, tc.want)
			}
		})
	}
	if _, err := LoadModel(filepath.Join(dir, "missing.onnx"), ModelOptions{}); err == nil {
		t.Error("missing model loaded")
	}
}

func TestModelInAnalyzer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attack.onnx")
	if err := os.WriteFile(path, tinyModel(-6), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAnalyzer(t, Options{ModelPath: path})
	g := newGenerator(t)
	v := run(t, a, g, specBona(testSeed+20), ChallengeNone)
	if _, ok := v.Cues[CueModel]; !ok || v.Live {
		t.Errorf("model cue %v, live %v: a model that rejects everything must reject", v.Cues, v.Live)
	}
	if _, err := New(Options{ModelPath: filepath.Join(t.TempDir(), "none.onnx")}); err == nil {
		t.Error("missing model accepted")
	}
}

func TestMapOutput(t *testing.T) {
	tests := []struct {
		v    []float32
		dims []int
		want float64
	}{
		{[]float32{0.8}, []int{1, 1}, 0.8},
		{[]float32{0}, []int{1, 1}, 0},
		{[]float32{3}, []int{1, 1}, 1 / (1 + math.Exp(-3))},
		{[]float32{0, 0}, []int{1, 2}, 0.5},
		{[]float32{0, 10}, []int{1, 2}, 1 / (1 + math.Exp(-10))},
	}
	for _, tc := range tests {
		got, err := mapOutput(tc.v, 1, tc.dims)
		if err != nil || math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%v: %v %v, want %v", tc.v, got, err, tc.want)
		}
	}
	if _, err := mapOutput([]float32{1, 2}, 5, []int{1, 2}); err == nil {
		t.Error("live index out of range accepted")
	}
}
