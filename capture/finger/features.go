package finger

import (
	"fmt"
)

// Features holds every native NFIQ 2 quality feature of one image. Field
// comments give the name NIST's implementation prints for the value; List
// returns them under those names in NIST's order.
type Features struct {
	// FDA is FDA_Bin10_*: frequency domain analysis of 32×32 blocks.
	FDA Histogram
	// MinCountCOMRect200 is FingerJetFX_MinCount_COMMinRect200x200: the
	// minutiae inside a 200×200 square centred on the minutiae's centre of
	// mass (computed from this package's minutiae, not FingerJet's).
	MinCountCOMRect200 int
	// MinutiaeCount is FingerJetFX_MinutiaeCount (this package's extractor).
	MinutiaeCount int
	// MuMinutiaeQuality2 is FJFXPos_Mu_MinutiaeQuality_2: the fraction of
	// minutiae whose 32×32 neighbourhood is darker than the image mean by
	// more than 0 and at most 0.5 image standard deviations.
	MuMinutiaeQuality2 float64
	// OCLMinutiaeQuality80 is FJFXPos_OCL_MinutiaeQuality_80: the fraction
	// of minutiae whose 32×32 neighbourhood has an orientation certainty
	// above 0.80.
	OCLMinutiaeQuality80 float64
	// ROIAreaMean is ImgProcROIArea_Mean: mean grey level of the foreground.
	ROIAreaMean float64
	// LCS is LCS_Bin10_*: local clarity of 32×32 foreground blocks.
	LCS Histogram
	// MMB is the mean of the 32×32 block means.
	MMB float64
	// Mu is the mean grey level of the image.
	Mu float64
	// OCL is OCL_Bin10_*: orientation certainty of 32×32 blocks.
	OCL Histogram
	// OF is OF_Bin10_*: orientation flow between 32×32 blocks.
	OF Histogram
	// CoherenceRel is OrientationMap_ROIFilter_CoherenceRel: CoherenceSum
	// divided by the number of 32×32 foreground blocks.
	CoherenceRel float64
	// CoherenceSum is OrientationMap_ROIFilter_CoherenceSum: the summed
	// orientation coherence of the 32×32 foreground blocks.
	CoherenceSum float64
	// RVUP is RVUP_Bin10_*: ridge/valley width ratios.
	RVUP Histogram
}

// Feature is one named feature value.
type Feature struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// FeatureNames returns the 69 NFIQ 2 feature names in the order NIST's
// implementation lists them.
func FeatureNames() []string {
	var f Features
	l := f.List()
	names := make([]string, len(l))
	for i, x := range l {
		names[i] = x.Name
	}
	return names
}

func appendHist(out []Feature, prefix string, h Histogram) []Feature {
	for i, b := range h.Bins {
		out = append(out, Feature{fmt.Sprintf("%s_Bin10_%d", prefix, i), float64(b)})
	}
	return append(out,
		Feature{prefix + "_Bin10_Mean", h.Mean},
		Feature{prefix + "_Bin10_StdDev", h.StdDev})
}

// List returns every feature under its NIST name, in NIST's order.
func (f *Features) List() []Feature {
	out := make([]Feature, 0, 69)
	out = appendHist(out, "FDA", f.FDA)
	out = append(out,
		Feature{"FingerJetFX_MinCount_COMMinRect200x200", float64(f.MinCountCOMRect200)},
		Feature{"FingerJetFX_MinutiaeCount", float64(f.MinutiaeCount)},
		Feature{"FJFXPos_Mu_MinutiaeQuality_2", f.MuMinutiaeQuality2},
		Feature{"FJFXPos_OCL_MinutiaeQuality_80", f.OCLMinutiaeQuality80},
		Feature{"ImgProcROIArea_Mean", f.ROIAreaMean})
	out = appendHist(out, "LCS", f.LCS)
	out = append(out, Feature{"MMB", f.MMB}, Feature{"Mu", f.Mu})
	out = appendHist(out, "OCL", f.OCL)
	out = appendHist(out, "OF", f.OF)
	out = append(out,
		Feature{"OrientationMap_ROIFilter_CoherenceRel", f.CoherenceRel},
		Feature{"OrientationMap_ROIFilter_CoherenceSum", f.CoherenceSum})
	return appendHist(out, "RVUP", f.RVUP)
}

// Map returns the features keyed by their NIST names.
func (f *Features) Map() map[string]float64 {
	m := make(map[string]float64, 69)
	for _, x := range f.List() {
		m[x.Name] = x.Value
	}
	return m
}

// Feedback is NFIQ 2's actionable quality feedback: four values, each with
// the flag NIST's threshold derives from it.
type Feedback struct {
	// UniformImage is the grey-level standard deviation of the image.
	UniformImage float64 `json:"UniformImage"`
	// EmptyImageOrContrastTooLow is the mean grey level of the image.
	EmptyImageOrContrastTooLow float64 `json:"EmptyImageOrContrastTooLow"`
	// FingerprintImageWithMinutiae is the number of minutiae found.
	FingerprintImageWithMinutiae int `json:"FingerprintImageWithMinutiae"`
	// SufficientFingerprintForeground is the number of foreground pixels.
	SufficientFingerprintForeground int `json:"SufficientFingerprintForeground"`

	// Uniform is set when UniformImage < 1.
	Uniform bool `json:"uniform"`
	// Empty is set when EmptyImageOrContrastTooLow > 250.
	Empty bool `json:"empty"`
	// TooFewMinutiae is set when fewer than 5 minutiae were found.
	TooFewMinutiae bool `json:"tooFewMinutiae"`
	// SmallForeground is set when the foreground has fewer than 50000 pixels.
	SmallForeground bool `json:"smallForeground"`
}

// Thresholds of the actionable feedback (NFIQ 2's values).
const (
	UniformThreshold        = 1.0
	EmptyThreshold          = 250.0
	MinutiaeThreshold       = 5
	ForegroundThreshold     = 50000
	referenceResolution     = 500
	minutiaQualityBlockSize = 32
)

func (fb *Feedback) setFlags() {
	fb.Uniform = fb.UniformImage < UniformThreshold
	fb.Empty = fb.EmptyImageOrContrastTooLow > EmptyThreshold
	fb.TooFewMinutiae = fb.FingerprintImageWithMinutiae < MinutiaeThreshold
	fb.SmallForeground = fb.SufficientFingerprintForeground < ForegroundThreshold
}

// minutiaeFeatures fills the four minutiae features from the minutiae
// (coordinates in the trimmed image).
func minutiaeFeatures(g *gray, mu, sigma float64, ms []Minutia, f *Features) {
	f.MinutiaeCount = len(ms)
	if len(ms) == 0 {
		return
	}
	// centre of mass, 200×200 square around it
	var sx, sy int
	for _, m := range ms {
		sx += m.X
		sy += m.Y
	}
	cx, cy := sx/len(ms), sy/len(ms)
	x0, y0 := max(cx-100, 0), max(cy-100, 0)
	x1, y1 := min(cx+100, g.w-1), min(cy+100, g.h-1)
	const bs = minutiaQualityBlockSize
	var nMu, nOCL int
	for _, m := range ms {
		if m.X >= x0 && m.X <= x1 && m.Y >= y0 && m.Y <= y1 {
			f.MinCountCOMRect200++
		}
		// Mu quality: clipped block
		lx, ty := max(m.X-bs/2, 0), max(m.Y-bs/2, 0)
		bw, bh := min(bs, g.w-lx), min(bs, g.h-ty)
		bm, _ := blockMeanStd(g, lx, ty, lx+bw, ty+bh)
		if q := (mu - bm) / sigma; q > 0 && q <= 0.5 {
			nMu++
		}
		// OCL quality: full block moved inside the image
		if lx+bs > g.w {
			lx = g.w - bs
		}
		if ty+bs > g.h {
			ty = g.h - bs
		}
		ocl, _ := oclBlock(g, lx, ty, bs)
		if int(ocl*100+0.5) > 80 {
			nOCL++
		}
	}
	f.MuMinutiaeQuality2 = float64(nMu) / float64(len(ms))
	f.OCLMinutiaeQuality80 = float64(nOCL) / float64(len(ms))
}
