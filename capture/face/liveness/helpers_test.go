package liveness

import (
	"context"
	"image"
	"testing"

	"github.com/capturestation/station/internal/testdata/faces"
)

func newAnalyzer(t testing.TB, opts Options) *Analyzer {
	t.Helper()
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func newGenerator(t testing.TB) *faces.Generator {
	t.Helper()
	g, err := faces.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// run renders a sequence and analyses it.
func run(t testing.TB, a *Analyzer, g *faces.Generator, spec faces.Spec, ch Challenge) *Verdict {
	t.Helper()
	seq, err := g.Sequence(spec)
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]image.Image, seq.Len())
	for i := range frames {
		frames[i] = seq.Frame(i)
	}
	v, err := a.Analyze(context.Background(), frames, ch)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func specBona(seed uint64) faces.Spec {
	return faces.Spec{Label: faces.BonaFide, Action: faces.ActionNone, Seed: seed, Frames: 12}
}
