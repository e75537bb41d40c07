package face

// Measure names, as they appear in Report.Measures.
const (
	MeasureFaceCount         = "single_face"
	MeasureLuminanceMean     = "luminance_mean"
	MeasureLuminanceVariance = "luminance_variance"
	MeasureUnderExposure     = "under_exposure"
	MeasureOverExposure      = "over_exposure"
	MeasureDynamicRange      = "dynamic_range"
	MeasureIllumination      = "illumination_uniformity"
	MeasureSharpness         = "sharpness"
	MeasureNaturalColour     = "natural_colour"
	MeasureEyesVisible       = "eyes_visible"
	MeasureInterEyeDistance  = "inter_eye_distance"
	MeasureHeadSize          = "head_size"
	MeasureCropMargins       = "crop_margins"
	MeasureCentring          = "centring"
	MeasureRoll              = "roll"
	MeasureYaw               = "yaw"
	MeasureBackgroundUniform = "background_uniformity"
)

// Operator advice given with a failing measure.
const (
	AdviceNoFace     = "no face found: look at the camera"
	AdviceOnePerson  = "only one person in the picture"
	AdviceTooDark    = "too dark: add light on the face"
	AdviceTooBright  = "too bright: reduce the light on the face"
	AdviceContrast   = "too little contrast: improve the lighting"
	AdviceUneven     = "even out the lighting: one side of the face is darker"
	AdviceBlurred    = "hold still / image blurred: check the focus"
	AdviceColour     = "colours look unnatural: check the lighting colour and white balance"
	AdviceGreyImage  = "colour image needed: the camera delivers grey images"
	AdviceEyes       = "keep your eyes open and look at the camera"
	AdviceCloser     = "move closer"
	AdviceBack       = "move back"
	AdviceCentre     = "move to the centre of the picture"
	AdviceHeadCut    = "the head is cut off at the edge: move to the centre or move back"
	AdviceStraight   = "keep your head straight (do not tilt it)"
	AdviceTurn       = "turn your head to the camera"
	AdviceBackground = "use a plain background behind the person"
)

// Measure is one quality measure of a face image.
type Measure struct {
	// Name is one of the Measure* constants.
	Name string `json:"name"`
	// Value is the measured value in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	// Score maps Value to 0–100 (higher is better; 50 is the pass limit).
	Score float64 `json:"score"`
	// Pass says whether the value meets the ICAO-derived limit; when it
	// does not, Advice says what the operator or the subject should do.
	Pass   bool   `json:"pass"`
	Advice string `json:"advice,omitempty"`
}

// Report is the outcome of Assess.
type Report struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// Faces is the number of faces found (counting only faces at least a
	// third as wide as the largest); Face the largest, which the measures
	// describe.
	Faces int   `json:"faces"`
	Face  *Face `json:"face,omitempty"`
	// Measures holds every measure that could be computed, in a fixed
	// order; without a face only the image-wide ones are present.
	Measures []Measure `json:"measures"`
	// Score is the mean score of the measures (0 without a face).
	Score float64 `json:"score"`
	// Pass is true when a face was found and every measure passes.
	Pass bool `json:"pass"`
	// Advice lists the advice of the failing measures, most pressing first
	// (a UI shows the first).
	Advice []string `json:"advice,omitempty"`
}

// Measure returns the named measure, or nil when it was not computed.
func (r *Report) Measure(name string) *Measure {
	for i := range r.Measures {
		if r.Measures[i].Name == name {
			return &r.Measures[i]
		}
	}
	return nil
}

// advicePriority orders advice: what to fix first.
var advicePriority = []string{
	MeasureFaceCount, MeasureCropMargins, MeasureCentring, MeasureInterEyeDistance, MeasureHeadSize,
	MeasureLuminanceMean, MeasureUnderExposure, MeasureOverExposure, MeasureIllumination,
	MeasureLuminanceVariance, MeasureDynamicRange, MeasureYaw, MeasureRoll, MeasureEyesVisible,
	MeasureSharpness, MeasureBackgroundUniform, MeasureNaturalColour,
}

// finish computes Score, Pass and Advice.
func (r *Report) finish() {
	r.Pass = r.Face != nil
	var sum float64
	for _, m := range r.Measures {
		sum += m.Score
		if !m.Pass {
			r.Pass = false
		}
	}
	if r.Face != nil && len(r.Measures) > 0 {
		r.Score = sum / float64(len(r.Measures))
	}
	seen := map[string]bool{}
	for _, name := range advicePriority {
		m := r.Measure(name)
		if m == nil || m.Pass || m.Advice == "" || seen[m.Advice] {
			continue
		}
		seen[m.Advice] = true
		r.Advice = append(r.Advice, m.Advice)
	}
}

// rise scores a measure that is better when larger: 0 at or below bad, 50
// at limit, 100 at or above ideal; it passes at limit and above.
func rise(v, bad, limit, ideal float64) (float64, bool) {
	switch {
	case v <= bad:
		return 0, false
	case v < limit:
		return 50 * (v - bad) / (limit - bad), false
	case v < ideal:
		return 50 + 50*(v-limit)/(ideal-limit), true
	default:
		return 100, true
	}
}

// fall scores a measure that is better when smaller.
func fall(v, ideal, limit, bad float64) (float64, bool) {
	return rise(-v, -bad, -limit, -ideal)
}

// measure builds a Measure from a score function's result.
func measure(name, unit string, v, score float64, pass bool, advice string) Measure {
	m := Measure{Name: name, Unit: unit, Value: round(v), Score: round(score), Pass: pass}
	if !pass {
		m.Advice = advice
	}
	return m
}

func round(v float64) float64 {
	if v >= 0 {
		return float64(int64(v*1000+0.5)) / 1000
	}
	return -float64(int64(-v*1000+0.5)) / 1000
}
