// Package fingerprints generates synthetic fingerprint images with ground
// truth, for scanner simulators and for tests of quality assessment and
// minutiae extraction.
//
// The method follows SFinGe (Cappelli, Maio and Maltoni, "Synthetic
// fingerprint-image generation", ICPR 2000, and "Handbook of Fingerprint
// Recognition", chapter 6):
//
//   - a master fingerprint is built from a silhouette (a rounded
//     super-ellipse), an orientation field given by the zero-pole model of
//     Sherlock and Monro (1993) from the cores and deltas of the chosen
//     class (arch, tented arch, left loop, right loop, whorl), corrected
//     so that loops get round heads and parallel legs, a smoothly
//     varying ridge period of about 9 pixels at 500 ppi (7 to 12), and a
//     ridge pattern grown from sparse random seeds by iterative contextual
//     Gabor filtering with a precomputed bank of filters for 24
//     orientations and 13 periods; minutiae appear where growing ridges
//     meet out of phase, as in SFinGe;
//   - an impression of the master is then rendered with controllable
//     effects: finger pressure and skin moisture (ridge thickness, broken
//     ridges when dry, merged ridges and darkening when wet), partial
//     contact, non-linear skin distortion (rigid centre, elastic periphery,
//     after Cappelli, Maio and Maltoni 2001) with a small rotation and
//     translation, blur, contrast loss and noise.
//
// Generate is deterministic: the same Params give byte-identical output.
// The master depends only on Seed, Class and size, so the impression
// controls (or the single Degradation knob, from 0 pristine to 1 nearly
// unusable) degrade one and the same finger; every random draw of the
// impression is made whatever the strengths, so a stronger setting only
// amplifies the same noise and quality falls monotonically.
//
// The ground truth is given in image coordinates: the class, the singular
// points of the model, the foreground (contact) mask and the minutiae,
// which are extracted from the ideal binary ridge pattern of the master by
// thinning and crossing number, then mapped through the impression
// geometry.
//
// Caveats: the images imitate optical scanners (dark ridges on a light
// background) with simple pore-like speckle, but no scars or creases; the
// loop correction is a smooth analytic term in the spirit of, not equal to,
// the SFinGe piecewise-linear correction of the zero-pole model; the arch
// uses an analytic field; there is no double-loop class; minutiae closer
// than 14 pixels to the silhouette border or closer than 6 pixels to one
// another (thinning artefacts) are not reported; the singular points are
// those of the model, which can sit a few pixels away from where an
// estimator would place them on the ridges; and the impression effects
// are phenomenological, not a physical model of a particular scanner.
package fingerprints
