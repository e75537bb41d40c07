package camerasim

import (
	"fmt"
	"image"

	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/internal/testdata/faces"
)

// PresentationSeed is the generated subject presentations show: one who
// moves enough for the liveness check's planarity cue to tell them from a
// print (some generated subjects hold almost still).
const PresentationSeed = 3

// Presentation plays a generated presentation of the given kind (bona
// fide, print, screen replay, cut-out eyes) as a camera scene of 48 frames
// of the given size, looping.
func Presentation(label faces.Label, size image.Point) (camera.Scene, error) {
	g, err := faces.NewGenerator()
	if err != nil {
		return nil, fmt.Errorf("camerasim: %w", err)
	}
	seq, err := g.Sequence(faces.Spec{Label: label, Width: size.X, Height: size.Y, Frames: 48, Seed: PresentationSeed})
	if err != nil {
		return nil, fmt.Errorf("camerasim: %w", err)
	}
	return camera.ImageScene(seq.Len(), size, func(i int) image.Image { return seq.Frame(i) }), nil
}
