package liveness

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/testdata/faces"
)

// benchSeed is the first seed of the reported figures. The thresholds of
// DefaultThresholds were chosen on sequences with seeds 1000 to 1099; the
// tests use 500 to 599.
const benchSeed = 1 << 32

// BenchmarkPAD reports ISO/IEC 30107-3 figures of the passive analysis
// (ChallengeNone) on the synthetic set: APCER per attack type, BPCER, and
// the milliseconds per sequence (analysis only, rendering excluded). It
// also reports the BPCER when each bona fide subject is asked for the
// action it performs.
func BenchmarkPAD(b *testing.B) {
	const perClass, frames = 20, 20
	a := newAnalyzer(b, Options{})
	g := newGenerator(b)
	actions := []faces.Action{faces.ActionNone, faces.ActionBlink, faces.ActionTurnLeft, faces.ActionTurnRight, faces.ActionSmile}
	challenge := map[faces.Action]Challenge{faces.ActionNone: ChallengeNone, faces.ActionBlink: Blink, faces.ActionTurnLeft: TurnLeft, faces.ActionTurnRight: TurnRight, faces.ActionSmile: Smile}
	for range b.N {
		rejected := map[faces.Label]int{}
		accepted := map[faces.Label]int{}
		challengeRejected := 0
		var analysis time.Duration
		n := 0
		for _, l := range faces.Labels() {
			for k := range perClass {
				act := actions[k%len(actions)]
				spec := faces.Spec{Label: l, Action: act, Seed: benchSeed + uint64(k), Frames: frames}
				seq, err := g.Sequence(spec)
				if err != nil {
					b.Fatal(err)
				}
				for i := range seq.Len() {
					seq.Frame(i) // render outside the timing
				}
				t0 := time.Now()
				v := run(b, a, g, spec, ChallengeNone)
				analysis += time.Since(t0)
				n++
				if v.Live {
					accepted[l]++
				} else {
					rejected[l]++
				}
				if l == faces.BonaFide {
					if cv := run(b, a, g, spec, challenge[act]); !cv.Live {
						challengeRejected++
					}
				}
			}
		}
		var tab strings.Builder
		fmt.Fprintf(&tab, "\n%-14s %5s %9s\n", "class", "n", "error %")
		bpcer := 100 * float64(rejected[faces.BonaFide]) / perClass
		fmt.Fprintf(&tab, "%-14s %5d %8.1f  (BPCER)\n", faces.BonaFide, perClass, bpcer)
		b.ReportMetric(bpcer, "BPCER%")
		for _, l := range faces.Labels()[1:] {
			apcer := 100 * float64(accepted[l]) / perClass
			fmt.Fprintf(&tab, "%-14s %5d %8.1f  (APCER)\n", l, perClass, apcer)
			b.ReportMetric(apcer, "APCER-"+l.String()+"%")
		}
		cb := 100 * float64(challengeRejected) / perClass
		fmt.Fprintf(&tab, "bona fide with its challenge: BPCER %.1f %%\n", cb)
		b.ReportMetric(cb, "BPCER-challenge%")
		b.ReportMetric(float64(analysis.Milliseconds())/float64(n), "ms/seq")
		b.Log(tab.String())
	}
}
