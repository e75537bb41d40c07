// Package liveness is the station's local presentation-attack detection
// (PAD, ISO/IEC 30107): it judges from a short sequence of camera frames
// whether a live face is presented, or a print, a screen replay or a print
// with cut-out eyes.
//
// An Analyzer (New, Close) holds the Haar cascades of Debian's opencv-data
// (DefaultCascadeDir) and, optionally, an ONNX model. Analyze judges a
// slice of frames; a Session takes frames one by one for the live preview
// (Add or AddMat, then Verdict at any time). The Verdict carries Live, a
// Score from 0 (attack) to 1 (live), the Reasons of a rejection, every cue
// value (Cues) and its attack evidence (Evidence), and the challenge
// result.
//
// # Cues
//
// The face is found with the frontal-face cascade, the eyes with the eye
// cascade (or where eyes usually are), and up to 300 corners of the face
// are tracked with pyramidal Lucas–Kanade flow.
//
//   - planarity: a homography (least squares over the tracked points,
//     eye band and mouth left out) is fitted from the first frame to each
//     later one; the cue is the 80th percentile over frames of the mean
//     residual, in % of the face width. A print or a screen moves as one
//     plane (residual ≈ tracking noise); a head has depth, and the nose
//     moves against the cheeks and the outline when it turns. Not judged
//     when the face moved less than Thresholds.MinMotion.
//   - moire: the 128×128 centre of the face, Hann-windowed, through a DFT;
//     the cue is the mean of the five largest excesses of the log magnitude
//     over the median of its frequency ring (axes and the lowest
//     frequencies left out). A display's pixel grid and its moiré with the
//     sensor are periodic peaks; skin and paper are not.
//   - saturation, black, hue: mean skin saturation (HSV, 0..255) of the
//     cheeks and nose, the 2nd percentile of the face's brightness, and the
//     skin hue's distance from 14 (OpenCV units): matte prints and displays
//     compress the gamut, lift the blacks and shift the colour.
//   - specular: the share (%) of face pixels that are near white and
//     unsaturated: a reflection on a display's glass is a broad glare,
//     skin has small highlights.
//   - model: one minus the live probability of the optional ONNX model.
//
// Each cue has a Range in Thresholds: its evidence grows from 0 at the
// bona fide value to 1 at the attack value; the Score is one minus the
// largest evidence, and a presentation is live when Score ≥
// Options.Threshold (0.5) and the challenge was performed. The defaults
// (DefaultThresholds): planarity 0.26 → 0.16 %, moire 2.2 → 3.6,
// saturation 40 → 20, black 70 → 130, hue 6 → 12, specular 15 → 45 %,
// model 0.3 → 0.7.
//
// # Challenges
//
// Blink: the grey-level spread of the eye boxes (moved with the face)
// drops below Thresholds.Blink (0.8) of its median and recovers, while the
// cheeks' spread does not drop (a change of light). TurnLeft, TurnRight:
// the centre of the face (nose) shifts against its sides by more than
// Thresholds.Turn (3 % of the face width), positive towards the image's
// right, which is the subject's left with a camera that does not mirror.
// Smile: the mouth points widen, beyond the motion of the face, by more
// than Thresholds.Smile (6 %). A print passes none of them; a print with
// cut-out eyes passes Blink, which is why the passive cues always apply.
//
// # ONNX model
//
// Options.ModelPath (or LoadModel) runs a deployment's PAD model through
// OpenCV's DNN module on the face crop of the first frames: the input size
// comes from the graph (ModelOptions.Size otherwise), pixels are scaled
// by 1/255; one output value (or the mean of an output map) is the live
// probability, a 1×N output is softmaxed and ModelOptions.LiveIndex taken.
// The file's protobuf structure is checked before OpenCV sees it, because
// OpenCV 4.6 ends the process on a model it cannot parse; a model with
// operators OpenCV does not support can still do so.
//
// # Measured performance, on synthetic data only
//
// BenchmarkPAD (make bench) renders, with internal/testdata/faces, 20
// sequences of 20 frames (640×480) per class — bona fide subjects
// performing no action, a blink, turns or a smile; prints; screen replays;
// prints with cut-out blinking eyes — and reports APCER per attack type
// and BPCER at the default threshold, with no challenge (passive cues
// only). The thresholds were chosen on sequences of seeds 1000–1099 (the
// planarity range sits midway between the lowest bona fide residual,
// 0.22 %, and the highest print or cut-out residual, 0.20 %, of 25
// sequences per class); the figures come from seeds 2³² onwards, which
// played no part in the choice. Last run (20 per class, 20 frames, 2
// cores): APCER print 0 %, screen replay 0 %, cut-out eyes 0 %; BPCER 5 %
// (1 of 20 bona fide subjects moved too little for the planarity cue and
// was taken for a print), 5 % too when each is asked for its action;
// about 0.6 s of analysis per 20-frame sequence. The margin between the
// classes on the planarity cue is thin: a subject who holds very still
// looks like a print to it.
//
// These figures describe a synthetic set rendered from a single portrait,
// with attacks whose artefacts the cues were designed to find; they say
// nothing of real prints, displays, masks, cameras or people. The colour
// cues (saturation, black, hue) do not separate the classes on this set and
// have thresholds outside its bona fide range: planarity catches prints
// and cut-outs, moiré catches the screens. Calibrate and measure again on
// real presentations (ISO/IEC 30107-3) before relying on the verdict.
package liveness
