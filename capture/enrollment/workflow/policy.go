package workflow

import (
	"errors"
	"fmt"
	"slices"

	"github.com/capturestation/station/capture/enrollment"
)

// FingerMode is how fingerprints are taken.
type FingerMode string

// Finger modes.
const (
	// FingerSingle takes each required finger on its own (flat, one at a time).
	FingerSingle FingerMode = "single"
	// FingerSlaps442 takes the four right fingers, the four left fingers and
	// the two thumbs as three slap images. It needs a slap scanner: the
	// workflow takes whatever image the scanner returns for each slap slot
	// and does not segment it into single fingers.
	FingerSlaps442 FingerMode = "slaps_442"
)

// Exception kinds: what a supervisor may have to approve.
type ExceptionKind string

// Exception kinds.
const (
	// ExceptionMissingFinger: a required finger is recorded as missing.
	ExceptionMissingFinger ExceptionKind = "missing_finger"
	// ExceptionLowQuality: a capture below the minimum quality is accepted.
	ExceptionLowQuality ExceptionKind = "low_quality"
	// ExceptionChip: the document is accepted although its chip could not
	// be read or failed passive authentication.
	ExceptionChip ExceptionKind = "chip"
	// ExceptionLiveness: the face is accepted although the liveness check failed.
	ExceptionLiveness ExceptionKind = "liveness"
)

// Biographic field names usable in Policy.Biographic.
const (
	FieldFirstName    = "first_name"
	FieldLastName     = "last_name"
	FieldDateOfBirth  = "date_of_birth"
	FieldGender       = "gender"
	FieldNationality  = "nationality"
	FieldPlaceOfBirth = "place_of_birth"
)

var biographicFields = []string{FieldFirstName, FieldLastName, FieldDateOfBirth, FieldGender, FieldNationality, FieldPlaceOfBirth}

// Supervision says which exceptions need a supervisor's approval; the others
// the operator accepts alone (with a reason where one is asked).
type Supervision struct {
	MissingFinger bool `yaml:"missing_finger" json:"missingFinger"`
	LowQuality    bool `yaml:"low_quality" json:"lowQuality"`
	Chip          bool `yaml:"chip" json:"chip"`
	Liveness      bool `yaml:"liveness" json:"liveness"`
}

// Needs reports whether the exception kind needs a supervisor.
func (s Supervision) Needs(k ExceptionKind) bool {
	switch k {
	case ExceptionMissingFinger:
		return s.MissingFinger
	case ExceptionLowQuality:
		return s.LowQuality
	case ExceptionChip:
		return s.Chip
	case ExceptionLiveness:
		return s.Liveness
	}
	return true
}

// FacePolicy tunes the face step.
type FacePolicy struct {
	// AutoCaptureFrames is the number of consecutive passing frames that
	// fires auto-capture.
	AutoCaptureFrames int `yaml:"auto_capture_frames" json:"autoCaptureFrames"`
	// LivenessFrames is how many frames the liveness check looks at.
	LivenessFrames int `yaml:"liveness_frames" json:"livenessFrames"`
	// MaxFrames ends an attempt that has not captured by then.
	MaxFrames int `yaml:"max_frames" json:"maxFrames"`
	// SkipBackground leaves the background-uniformity measure out (stations
	// that replace the background).
	SkipBackground bool `yaml:"skip_background" json:"skipBackground"`
}

// Policy is a deployment's enrollment rules; it sits under workflow: in the
// station configuration. Start from DefaultPolicy and overlay the YAML, so
// absent keys keep their defaults.
type Policy struct {
	// Biographic lists the fields that must be filled (first_name,
	// last_name, date_of_birth, gender, nationality, place_of_birth).
	Biographic []string `yaml:"biographic_required" json:"biographicRequired"`
	// RequireDocument asks for an identity document's MRZ; RequireChip
	// also for its chip read with passive authentication passed (or a chip
	// exception).
	RequireDocument bool `yaml:"require_document" json:"requireDocument"`
	RequireChip     bool `yaml:"require_chip" json:"requireChip"`
	// RequireFace asks for a face; RequireLiveness for a live verdict (or
	// a liveness exception).
	RequireFace     bool `yaml:"require_face" json:"requireFace"`
	RequireLiveness bool `yaml:"require_liveness" json:"requireLiveness"`
	// RequireFingers asks for fingerprints in FingerMode.
	RequireFingers bool       `yaml:"require_fingers" json:"requireFingers"`
	FingerMode     FingerMode `yaml:"finger_mode" json:"fingerMode"`
	// Fingers are the positions required in single mode (OSIA names, e.g.
	// RIGHT_INDEX); empty means all ten. Slap mode always asks for the
	// three slaps.
	Fingers []enrollment.Position `yaml:"fingers" json:"fingers,omitempty"`
	// MinFaceScore and MinFingerScore (0–100) are the lowest quality
	// accepted without an exception.
	MinFaceScore   int `yaml:"min_face_score" json:"minFaceScore"`
	MinFingerScore int `yaml:"min_finger_score" json:"minFingerScore"`
	// Retries is the number of failed attempts of a capture after which
	// the operator may accept its best low-quality result (or a liveness or
	// chip failure) as an exception.
	Retries int `yaml:"retries" json:"retries"`
	// Supervisor says which exceptions need a supervisor's approval.
	Supervisor Supervision `yaml:"supervisor" json:"supervisor"`
	// AllowSelfApproval lets a supervisor approve exceptions of an
	// enrollment they capture themselves.
	AllowSelfApproval bool `yaml:"allow_self_approval" json:"allowSelfApproval"`
	// Face tunes the face step.
	Face FacePolicy `yaml:"face" json:"face"`
}

// TenFingers are the ten single-finger positions, right thumb first
// (ISO/IEC 19794-4 positions 1–10).
var TenFingers = []enrollment.Position{
	enrollment.RightThumb, enrollment.RightIndex, enrollment.RightMiddle, enrollment.RightRing, enrollment.RightLittle,
	enrollment.LeftThumb, enrollment.LeftIndex, enrollment.LeftMiddle, enrollment.LeftRing, enrollment.LeftLittle,
}

// Slaps442 are the slap positions of the 4-4-2 sequence, in capture order.
var Slaps442 = []enrollment.Position{enrollment.RightFour, enrollment.LeftFour, enrollment.Thumbs}

// DefaultPolicy asks for everything: name, birth date and gender, the
// document with a genuine chip, a live face, all ten fingers one by one;
// face score 60, finger score 40, three attempts before a low-quality
// acceptance, and a supervisor for every exception.
func DefaultPolicy() Policy {
	return Policy{
		Biographic:      []string{FieldFirstName, FieldLastName, FieldDateOfBirth, FieldGender},
		RequireDocument: true, RequireChip: true,
		RequireFace: true, RequireLiveness: true,
		RequireFingers: true, FingerMode: FingerSingle,
		MinFaceScore: 60, MinFingerScore: 40, Retries: 3,
		Supervisor: Supervision{MissingFinger: true, LowQuality: true, Chip: true, Liveness: true},
		Face:       FacePolicy{AutoCaptureFrames: 5, LivenessFrames: 16, MaxFrames: 150},
	}
}

// Validate checks the policy and says what to change.
func (p Policy) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("workflow policy: "+format, args...)) }
	for _, f := range p.Biographic {
		if !slices.Contains(biographicFields, f) {
			bad("biographic_required: unknown field %q (use %v)", f, biographicFields)
		}
	}
	if p.RequireChip && !p.RequireDocument {
		bad("require_chip needs require_document: the chip is opened with the document's MRZ")
	}
	if p.RequireLiveness && !p.RequireFace {
		bad("require_liveness needs require_face")
	}
	switch p.FingerMode {
	case FingerSingle:
		seen := map[enrollment.Position]bool{}
		for _, pos := range p.Fingers {
			if !slices.Contains(TenFingers, pos) {
				bad("fingers: %q is not a single-finger position (use RIGHT_THUMB … LEFT_LITTLE)", pos)
			}
			if seen[pos] {
				bad("fingers: %s is listed twice", pos)
			}
			seen[pos] = true
		}
	case FingerSlaps442:
		if len(p.Fingers) > 0 {
			bad("fingers: leave it empty with finger_mode slaps_442 (the three slaps are always taken)")
		}
	default:
		bad("finger_mode %q: use single or slaps_442", p.FingerMode)
	}
	for name, v := range map[string]int{"min_face_score": p.MinFaceScore, "min_finger_score": p.MinFingerScore} {
		if v < 0 || v > 100 {
			bad("%s %d: use 0 to 100", name, v)
		}
	}
	if p.Retries < 0 || p.Retries > 20 {
		bad("retries %d: use 0 to 20", p.Retries)
	}
	if p.RequireFace {
		f := p.Face
		if f.AutoCaptureFrames < 1 || f.AutoCaptureFrames > 100 {
			bad("face.auto_capture_frames %d: use 1 to 100", f.AutoCaptureFrames)
		}
		if f.LivenessFrames < 2 || f.LivenessFrames > 300 {
			bad("face.liveness_frames %d: use 2 to 300", f.LivenessFrames)
		}
		if f.MaxFrames < max(f.AutoCaptureFrames, f.LivenessFrames) || f.MaxFrames > 10000 {
			bad("face.max_frames %d: use at least auto_capture_frames and liveness_frames, at most 10000", f.MaxFrames)
		}
	}
	return errors.Join(errs...)
}

// RequiredFingers returns the finger positions the policy asks for, in
// capture order (none when fingers are not required).
func (p Policy) RequiredFingers() []enrollment.Position {
	switch {
	case !p.RequireFingers:
		return nil
	case p.FingerMode == FingerSlaps442:
		return slices.Clone(Slaps442)
	case len(p.Fingers) == 0:
		return slices.Clone(TenFingers)
	}
	return slices.Clone(p.Fingers)
}

// allowedFingers is every position CaptureFinger and MarkMissing accept.
func (p Policy) allowedFingers() []enrollment.Position {
	if p.FingerMode == FingerSlaps442 {
		return Slaps442
	}
	return TenFingers
}
