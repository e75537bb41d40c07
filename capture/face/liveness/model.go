package liveness

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"

	"gocv.io/x/gocv"
)

// ModelOptions describe how a face crop is fed to an ONNX
// presentation-attack model and how its output is read.
type ModelOptions struct {
	// Size of the model input when the graph does not fix it; 112×112 if
	// zero.
	Size image.Point
	// Scale multiplies the pixel values (after Mean is subtracted); 1/255
	// if zero.
	Scale float64
	// Mean is subtracted from each channel (B, G, R order unless SwapRB).
	Mean gocv.Scalar
	// SwapRB feeds RGB instead of BGR.
	SwapRB bool
	// LiveIndex is the index of the live class when the model outputs two
	// or more class scores (softmax is applied); 1 if zero (set
	// LiveIndexZero for class 0).
	LiveIndex int
	// LiveIndexZero selects class 0 as the live class.
	LiveIndexZero bool
}

// Model is an ONNX presentation-attack model run by OpenCV's DNN module.
// It maps a face crop to the probability that the face is live:
//   - one output value: taken as the live probability (a logistic is
//     applied if it lies outside 0..1);
//   - two or more values of a 1×N output: class scores, softmax, the
//     LiveIndex class;
//   - a larger map (a 1×1×H×W output): its mean, as for one value.
//
// A Model is not safe for concurrent use.
type Model struct {
	net      gocv.Net
	opts     ModelOptions
	channels int
}

// LoadModel checks and loads an ONNX model. The file's structure is
// checked first (OpenCV ends the process on a model it cannot parse).
func LoadModel(path string, opts ModelOptions) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ONNX model: %w", err)
	}
	info, err := inspectONNX(b)
	if err != nil {
		return nil, fmt.Errorf("ONNX model %s is not a usable model (%w): supply a valid ONNX file", path, err)
	}
	if opts.Size == (image.Point{}) {
		opts.Size = image.Pt(112, 112)
	}
	if info.w > 0 && info.h > 0 {
		opts.Size = image.Pt(info.w, info.h)
	}
	if opts.Scale == 0 {
		opts.Scale = 1.0 / 255
	}
	if opts.LiveIndex == 0 && !opts.LiveIndexZero {
		opts.LiveIndex = 1
	}
	if opts.LiveIndexZero {
		opts.LiveIndex = 0
	}
	net, err := gocv.ReadNetFromONNXBytes(b)
	if err != nil {
		return nil, fmt.Errorf("load ONNX model %s: %w", path, err)
	}
	if net.Empty() {
		net.Close()
		return nil, fmt.Errorf("load ONNX model %s: OpenCV built an empty network: check the model's operators", path)
	}
	ch := info.c
	if ch != 1 {
		ch = 3
	}
	return &Model{net: net, opts: opts, channels: ch}, nil
}

// Close releases the network.
func (m *Model) Close() error { return m.net.Close() }

// InputSize is the size the face crop is resized to.
func (m *Model) InputSize() image.Point { return m.opts.Size }

// Score runs the model on a BGR face crop and returns the probability that
// the face is live, 0..1.
func (m *Model) Score(face gocv.Mat) (float64, error) {
	if face.Empty() {
		return 0, errors.New("model: empty face crop: pass the face region of a frame")
	}
	in := face
	if m.channels == 1 && face.Channels() == 3 {
		g := gocv.NewMat()
		defer g.Close()
		gocv.CvtColor(face, &g, gocv.ColorBGRToGray)
		in = g
	}
	blob := gocv.BlobFromImage(in, m.opts.Scale, m.opts.Size, m.opts.Mean, m.opts.SwapRB, false)
	defer blob.Close()
	m.net.SetInput(blob, "")
	out := m.net.Forward("")
	defer out.Close()
	if out.Empty() {
		return 0, errors.New("model: the network produced no output: check its output layer")
	}
	v, err := out.DataPtrFloat32()
	if err != nil {
		return 0, fmt.Errorf("model: output is not float32: %w", err)
	}
	return mapOutput(v, m.opts.LiveIndex, out.Size())
}

// mapOutput turns the network's output into a live probability.
func mapOutput(v []float32, live int, dims []int) (float64, error) {
	if len(v) == 0 {
		return 0, errors.New("model: empty output")
	}
	logistic := func(x float64) float64 {
		if x < 0 || x > 1 {
			return 1 / (1 + math.Exp(-x))
		}
		return x
	}
	// Class scores: a 1×N output.
	if len(v) > 1 && len(dims) == 2 && dims[0] == 1 {
		if live >= len(v) {
			return 0, fmt.Errorf("model: live class %d but only %d outputs: set ModelOptions.LiveIndex", live, len(v))
		}
		mx := math.Inf(-1)
		for _, x := range v {
			mx = math.Max(mx, float64(x))
		}
		var sum float64
		for _, x := range v {
			sum += math.Exp(float64(x) - mx)
		}
		return math.Exp(float64(v[live])-mx) / sum, nil
	}
	var mean float64
	for _, x := range v {
		mean += float64(x)
	}
	return logistic(mean / float64(len(v))), nil
}

// onnxInfo is what the structural check learns of a model.
type onnxInfo struct {
	nodes   int
	c, h, w int // the first graph input's N×C×H×W, 0 if not fixed
}

// inspectONNX walks the protobuf of an ONNX ModelProto: every field must be
// well formed, and the graph must have nodes, an input and an output.
func inspectONNX(b []byte) (onnxInfo, error) {
	var info onnxInfo
	top, err := protoFields(b)
	if err != nil {
		return info, fmt.Errorf("model: %w", err)
	}
	var graph []byte
	for _, f := range top {
		if f.num == 7 && f.wire == 2 {
			graph = f.data
		}
	}
	if graph == nil {
		return info, errors.New("no graph")
	}
	gf, err := protoFields(graph)
	if err != nil {
		return info, fmt.Errorf("graph: %w", err)
	}
	inits := map[string]bool{}
	var inputs [][]byte
	outputs := 0
	for _, f := range gf {
		switch {
		case f.num == 1 && f.wire == 2:
			nf, err := protoFields(f.data)
			if err != nil {
				return info, fmt.Errorf("node %d: %w", info.nodes, err)
			}
			op := false
			for _, x := range nf {
				op = op || (x.num == 4 && x.wire == 2 && len(x.data) > 0)
			}
			if !op {
				return info, fmt.Errorf("node %d has no operator", info.nodes)
			}
			info.nodes++
		case f.num == 5 && f.wire == 2:
			tf, err := protoFields(f.data)
			if err != nil {
				return info, fmt.Errorf("initializer: %w", err)
			}
			for _, x := range tf {
				if x.num == 8 && x.wire == 2 {
					inits[string(x.data)] = true
				}
			}
		case f.num == 11 && f.wire == 2:
			inputs = append(inputs, f.data)
		case f.num == 12 && f.wire == 2:
			outputs++
		}
	}
	if info.nodes == 0 || outputs == 0 {
		return info, fmt.Errorf("graph has %d nodes and %d outputs", info.nodes, outputs)
	}
	for _, in := range inputs {
		vf, err := protoFields(in)
		if err != nil {
			return info, fmt.Errorf("graph input: %w", err)
		}
		name, dims := "", []int(nil)
		for _, x := range vf {
			if x.num == 1 && x.wire == 2 {
				name = string(x.data)
			}
			if x.num == 2 && x.wire == 2 {
				dims = tensorDims(x.data)
			}
		}
		if inits[name] {
			continue
		}
		if len(dims) == 4 {
			info.c, info.h, info.w = dims[1], dims[2], dims[3]
		}
		return info, nil
	}
	return info, errors.New("graph has no input")
}

// tensorDims reads TypeProto.tensor_type.shape.dim[].dim_value (0 for a
// symbolic dimension).
func tensorDims(typ []byte) []int {
	var dims []int
	for _, t := range mustFields(typ) {
		if t.num != 1 || t.wire != 2 {
			continue
		}
		for _, s := range mustFields(t.data) {
			if s.num != 2 || s.wire != 2 {
				continue
			}
			for _, d := range mustFields(s.data) {
				if d.num != 1 || d.wire != 2 {
					continue
				}
				v := 0
				for _, x := range mustFields(d.data) {
					if x.num == 1 && x.wire == 0 {
						v = int(x.val)
					}
				}
				dims = append(dims, v)
			}
		}
	}
	return dims
}

func mustFields(b []byte) []protoField {
	f, _ := protoFields(b)
	return f
}

// protoField is one field of a protobuf message.
type protoField struct {
	num, wire int
	val       uint64
	data      []byte
}

// protoFields splits a protobuf message into its fields.
func protoFields(b []byte) ([]protoField, error) {
	var out []protoField
	for len(b) > 0 {
		key, n := uvarint(b)
		if n <= 0 {
			return nil, errors.New("truncated field key")
		}
		b = b[n:]
		f := protoField{num: int(key >> 3), wire: int(key & 7)}
		if f.num == 0 {
			return nil, errors.New("field number 0")
		}
		switch f.wire {
		case 0:
			v, n := uvarint(b)
			if n <= 0 {
				return nil, errors.New("truncated varint")
			}
			f.val, b = v, b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("truncated fixed64")
			}
			b = b[8:]
		case 2:
			l, n := uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errors.New("length beyond the end of the message")
			}
			f.data, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("truncated fixed32")
			}
			b = b[4:]
		default:
			return nil, fmt.Errorf("wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
