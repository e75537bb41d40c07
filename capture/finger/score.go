package finger

import "math"

// Score model (documented in the package documentation). The weighted mean
// of three clarity features, each in [0,1] with 1 = good, is multiplied by
// two gates and mapped linearly onto 0–100.
const (
	wOCL       = 0.5   // OCL_Bin10_Mean
	wCoh       = 0.4   // OrientationMap_ROIFilter_CoherenceRel
	wLCS       = 0.1   // LCS_Bin10_Mean
	fgFull     = 80000 // foreground pixels for a fully open foreground gate
	minFull    = 12    // minutiae for a fully open minutiae gate
	scoreFloor = 0.30  // raw value that maps to 0
	scoreSpan  = 1.00  // raw range that maps to 100 points
)

// ScoreComponents are the inputs of the score and its raw value.
type ScoreComponents struct {
	// OCL, Coherence and LCS are OCL_Bin10_Mean,
	// OrientationMap_ROIFilter_CoherenceRel and LCS_Bin10_Mean clipped
	// to [0,1].
	OCL, Coherence, LCS float64
	// ForegroundGate is the foreground pixel count over 80000, at most 1.
	ForegroundGate float64
	// MinutiaeGate is the minutiae count over 12, at most 1.
	MinutiaeGate float64
	// Raw is (0.5·OCL + 0.4·Coherence + 0.1·LCS) · ForegroundGate ·
	// MinutiaeGate.
	Raw float64
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Min(1, math.Max(0, v))
}

// Components returns the score's inputs for the features and the feedback
// of one assessment.
func Components(f *Features, fb *Feedback) ScoreComponents {
	var c ScoreComponents
	c.OCL = clamp01(f.OCL.Mean)
	c.Coherence = clamp01(f.CoherenceRel)
	c.LCS = clamp01(f.LCS.Mean)
	c.ForegroundGate = clamp01(float64(fb.SufficientFingerprintForeground) / fgFull)
	c.MinutiaeGate = clamp01(float64(f.MinutiaeCount) / minFull)
	c.Raw = (wOCL*c.OCL + wCoh*c.Coherence + wLCS*c.LCS) * c.ForegroundGate * c.MinutiaeGate
	return c
}

// score maps the raw value to 0–100: round(100·(Raw − 0.30)/1.00), clipped.
func score(f *Features, fb *Feedback) int {
	c := Components(f, fb)
	s := (c.Raw - scoreFloor) / scoreSpan * 100
	return int(math.Round(math.Min(100, math.Max(0, s))))
}
