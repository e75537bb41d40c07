// Package camerasim simulates a camera for the station and its tests: a
// FaceScene plays the embedded public-domain astronaut portrait
// (internal/testdata/faces) following a script of poses — nobody in the
// picture, approaching, holding still, blinking, turning, tilting, uneven
// or dim light, defocus — and a Device plays any camera.Scene and can be
// unplugged and plugged in again.
//
// Scenes implement camera.Scene, so the presentation-attack scenes of the
// test-set generator play through the same SceneSource and Device.
//
// The effects are image operations on one photograph, not a 3-D model: a
// turn squeezes one half of the head and stretches the other, a blink
// paints lids over the eyes (whose positions in the portrait were measured
// once with OpenCV's eye cascade), light changes scale the frame. They are
// good enough to drive face detection, quality checks and auto-capture,
// not to train anything.
package camerasim
