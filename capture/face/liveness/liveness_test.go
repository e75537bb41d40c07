package liveness

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/capturestation/station/internal/testdata/faces"
)

// Seeds of the tests: distinct from the calibration seeds and from the
// benchmark's.
const testSeed = 500

func TestPassiveCuesSeparateAttacks(t *testing.T) {
	a := newAnalyzer(t, Options{})
	g := newGenerator(t)
	verdicts := map[faces.Label][]*Verdict{}
	for _, l := range faces.Labels() {
		for k := range 3 {
			verdicts[l] = append(verdicts[l], run(t, a, g, faces.Spec{Label: l, Action: faces.ActionNone, Seed: testSeed + uint64(k), Frames: 16}, ChallengeNone))
		}
	}
	mean := func(l faces.Label, cue string) (float64, []*Verdict) {
		var sum float64
		for _, v := range verdicts[l] {
			sum += v.Cues[cue]
		}
		return sum / float64(len(verdicts[l])), verdicts[l]
	}
	tests := []struct {
		attack faces.Label
		cue    string
		higher bool // the attack's value is higher than the bona fide one
	}{
		{faces.PrintAttack, CuePlanarity, false},
		{faces.CutOutEyes, CuePlanarity, false},
		{faces.ScreenReplay, CueMoire, true},
		{faces.ScreenReplay, CueSpecular, true},
	}
	for _, tc := range tests {
		t.Run(tc.attack.String()+"/"+tc.cue, func(t *testing.T) {
			live, bona := mean(faces.BonaFide, tc.cue)
			att, attacks := mean(tc.attack, tc.cue)
			t.Logf("%s: bona fide %.2f, %v %.2f", tc.cue, live, tc.attack, att)
			if (att > live) != tc.higher {
				t.Errorf("%s does not move towards the attack", tc.cue)
			}
			for _, v := range bona {
				if !v.Live {
					t.Errorf("bona fide rejected: score %.2f %v", v.Score, v.Reasons)
				}
			}
			for _, v := range attacks {
				if v.Live || len(v.Reasons) == 0 {
					t.Errorf("%v accepted: score %.2f", tc.attack, v.Score)
				}
			}
		})
	}
}

func TestChallenges(t *testing.T) {
	a := newAnalyzer(t, Options{})
	g := newGenerator(t)
	tests := []struct {
		label  faces.Label
		action faces.Action
		ch     Challenge
		pass   bool
	}{
		{faces.BonaFide, faces.ActionBlink, Blink, true},
		{faces.BonaFide, faces.ActionNone, Blink, false},
		{faces.PrintAttack, faces.ActionBlink, Blink, false},
		{faces.BonaFide, faces.ActionTurnLeft, TurnLeft, true},
		{faces.BonaFide, faces.ActionTurnRight, TurnLeft, false},
		{faces.BonaFide, faces.ActionTurnRight, TurnRight, true},
		{faces.BonaFide, faces.ActionNone, TurnRight, false},
		{faces.PrintAttack, faces.ActionTurnLeft, TurnLeft, false},
		{faces.BonaFide, faces.ActionSmile, Smile, true},
		{faces.BonaFide, faces.ActionNone, Smile, false},
		{faces.PrintAttack, faces.ActionSmile, Smile, false},
		{faces.BonaFide, faces.ActionNone, ChallengeNone, true},
	}
	for _, tc := range tests {
		t.Run(tc.label.String()+"/"+tc.action.String()+"/"+tc.ch.String(), func(t *testing.T) {
			v := run(t, a, g, faces.Spec{Label: tc.label, Action: tc.action, Seed: testSeed + 10, Frames: 18}, tc.ch)
			if v.ChallengePassed != tc.pass {
				t.Errorf("challenge passed=%v, want %v (blink %.2f turn %.2f smile %.3f)", v.ChallengePassed, tc.pass, v.Cues[CueBlink], v.Cues[CueTurn], v.Cues[CueSmile])
			}
			if !tc.pass && v.Live {
				t.Error("live without the challenge")
			}
		})
	}
}

func TestNoFaceAndErrors(t *testing.T) {
	a := newAnalyzer(t, Options{})
	blank := image.NewRGBA(image.Rect(0, 0, 320, 240))
	v, err := a.Analyze(context.Background(), []image.Image{blank, blank}, ChallengeNone)
	if err != nil {
		t.Fatal(err)
	}
	if v.Live || len(v.Reasons) == 0 || !strings.Contains(v.Reasons[0], "no face") {
		t.Errorf("blank frames: %+v", v)
	}
	if _, err := a.Analyze(context.Background(), nil, ChallengeNone); !errors.Is(err, ErrNoFrames) {
		t.Errorf("no frames: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Analyze(ctx, []image.Image{blank}, ChallengeNone); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := New(Options{CascadeDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "CascadeDir") {
		t.Errorf("missing cascades: %v", err)
	}
}
