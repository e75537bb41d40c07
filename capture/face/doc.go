// Package face finds faces and judges their quality for identity
// enrolment: Haar-cascade face and eye detection, the ISO/IEC 29794-5
// quality measures that need no learned model, each with an ICAO pass or
// fail and advice an operator can act on, auto-capture over a stream of
// frames, the ISO/IEC 19794-5 token crop, and JPEG encoding to a byte
// budget.
//
// # Detection
//
// NewDetector loads haarcascade_frontalface_alt2.xml and haarcascade_eye.xml
// from a directory (DefaultCascadeDir, where Debian's opencv-data puts
// them; ErrNoCascades says to install it). Faces are searched on a grey
// copy scaled to 320 pixels wide and equalised (scale step 1.15, smallest face 28 pixels
// there); eyes are searched in the upper half of each face scaled to 160
// pixels wide, and the candidate nearest the expected position on each
// side is kept. Without both eyes, their positions are estimated from the
// face box and Face.EyesFound is false.
//
// # Measures (Assess)
//
// Assess reports each measure as a value, a 0–100 score (50 at the pass
// limit) and pass/fail with advice. Photometric measures look at the inner
// face (the face box without hair and background), scaled to 128×128:
//
//   - single_face: exactly one face at least a third as wide as the
//     largest ("only one person in the picture").
//   - luminance_mean: mean grey level, pass 70–210 ("too dark",
//     "too bright"); luminance_variance: its standard deviation, pass ≥ 18
//     ("too little contrast").
//   - under_exposure, over_exposure: share of pixels ≤ 25 (pass ≤ 10 %) and
//     ≥ 250 (pass ≤ 5 %).
//   - dynamic_range: 1st to 99th luminance percentile, pass ≥ 90 grey
//     levels (ISO/IEC 29794-5 uses the histogram's entropy; the percentile
//     spread says the same and is easier to act on).
//   - illumination_uniformity: mean of the darker half of the face over the
//     brighter half, pass ≥ 0.75 ("even out the lighting").
//   - sharpness: standard deviation of the Laplacian over the luminance
//     standard deviation (so that contrast does not count as sharpness),
//     pass ≥ 0.35 ("hold still / image blurred").
//   - natural_colour: distance of the cheeks' mean (Cr, Cb) from the skin
//     box Cr 133–173, Cb 77–127 (Chai and Ngan), pass ≤ 12.
//
// Geometric measures:
//
//   - eyes_visible: both eyes found by the eye cascade (closed eyes
//     usually are not).
//   - inter_eye_distance: pixels between the eye centres; ICAO 9303 part 3
//     asks for at least 90 (pass) and recommends 120 (ideal) ("move
//     closer").
//   - head_size: estimated head height (the face box extended by half its
//     height above for the hair and 15 % below for the chin) over the image
//     height, pass 0.45–0.95, ideal 0.6–0.8 ("move closer", "move back").
//   - crop_margins: smallest distance from that head estimate to an image
//     edge, in face widths, pass ≥ 0 (the head is not cut off).
//   - centring: horizontal distance of the eye midpoint from the image
//     centre, pass ≤ 0.15 of the width ("move to the centre").
//   - roll: angle of the eye line, pass within ±8° (ISO/IEC 19794-5
//     frontal pose) ("keep your head straight").
//   - yaw: estimated from the offset of the eye midpoint from the face
//     box's centre, the head taken as a cylinder as wide as the box; pass
//     within ±8° (the standard's ±5° plus the estimate's error) ("turn your
//     head to the camera").
//   - background_uniformity: mean luminance gradient (grey levels per
//     pixel at the detection scale) beside and above the head, outside an
//     ellipse around it, pass ≤ 6 ("use a plain background"); leave it out
//     with Options.SkipBackground.
//
// Report.Score is the mean of the scores; Report.Pass needs every measure
// to pass; Report.Advice lists the failing measures' advice, the most
// pressing (who is in the picture, where, how big, the light, the pose,
// focus) first. All limits are in Limits (ICAOLimits), replaceable through
// Options.
//
// # Auto-capture, token, JPEG
//
// AutoCapture fires when every measure passed on Need consecutive frames
// and hands over the best-scoring frame of that run.
//
// TokenCrop makes the ISO/IEC 19794-5 token frontal image: eyes made
// horizontal, 0.25·W apart, their midpoint at x = W/2 and y = 0.6·W from
// the top of a W × W/0.75 (3:4) image — that is 0.45 of the height from the
// top. ChipTokenWidth (360) gives the ICAO minimum of 90 pixels between the
// eyes, RegistryTokenWidth (480) the recommended 120.
//
// EncodeJPEG binary-searches the JPEG quality for the largest output within
// a byte budget: ChipBudget (20 000 bytes, for the 15–20 KB of a DG2
// image) or RegistryBudget.
//
// # Caveats
//
// The measures are model-free stand-ins for the ISO/IEC 29794-5 ones:
// Haar cascades miss faces turned more than about 30°, the yaw and head
// size are estimates from boxes, eyes_visible does not tell closed eyes
// from eyes the cascade missed, and nothing here checks expression,
// glasses or occlusion. The limits were set and tested on images derived
// from one public-domain portrait (internal/testdata/faces) — darkened,
// blurred, moved, rotated, shrunk, doubled, over-exposed — not on a
// population of real captures; tune them on the station's own camera.
package face
