package face

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
)

// ImageToMat converts an image to an 8-bit BGR Mat (the caller closes
// it), with camera.ImageToMat.
func ImageToMat(img image.Image) (gocv.Mat, error) {
	m := gocv.NewMat()
	if err := camera.ImageToMat(img, &m); err != nil {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("face: %w", err)
	}
	return m, nil
}
