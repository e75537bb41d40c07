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
// face on a busy background.
func Astronaut() (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(astronautPNG))
	if err != nil {
		return nil, fmt.Errorf("faces: embedded portrait: %w", err)
	}
	return img, nil
}
