package faces

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/png"
)

//go:embed testdata/astronaut.png
var astronautPNG []byte

// Astronaut decodes the embedded 512×512 colour portrait: one frontal
// face, eyes about 55 pixels apart, on a busy background.
func Astronaut() (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(astronautPNG))
	if err != nil {
		return nil, fmt.Errorf("faces: embedded portrait: %w", err)
	}
	return img, nil
}
