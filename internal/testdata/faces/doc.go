// Package faces provides face images for the face-capture tests and the
// camera simulator: a public-domain portrait photograph (testdata/README.md
// says where it comes from), embedded so that tests and simulators need no
// file at run time, and a generator of labelled presentation-attack
// detection (PAD) sequences rendered from it.
//
// A Generator (NewGenerator) lays a depth template on the portrait — an
// ellipsoid over the head with a bump for the nose, aligned with the face
// — and renders Sequences from a Spec (label, action, size, length, seed;
// 640×480 and 24 frames by default), deterministically from the seed:
//
//   - BonaFide: the head is reprojected with its depth under small yaw and
//     pitch (parallax against the still background), sways, blinks
//     (eyelids painted over the eyes, whose positions were measured once on
//     the portrait with the eye cascade), turns about 18° or smiles (the
//     mouth warped from neutral to the portrait's smile), under per-sequence
//     light colour, gradient and flicker, with sensor noise.
//   - PrintAttack: the photo on matte, slightly bent paper (lower
//     saturation, lifted blacks, paper tint and fibres), the whole frame
//     moving as one plane (a homography of a rotating, shifting sheet).
//   - ScreenReplay: a bona fide sequence shown on a display held in front
//     of the camera: RGB pixel grid (moiré with the sensor), gamma and
//     colour shift, raised blacks, bezel and room, a reflection band.
//   - CutOutEyes: the print with eye holes behind which a real person's
//     eyes move a little and blink.
//
// A Sequence has Len, Frame (an *image.RGBA, rendered once and kept, index
// wrapped so a simulator can loop), Label, Action and the ground-truth Pose
// of each frame.
package faces
