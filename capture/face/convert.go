package face

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"
)

// ImageToMat converts an image to an 8-bit BGR Mat (the caller closes
// it). RGBA, NRGBA, grey and YCbCr images take fast paths.
func ImageToMat(img image.Image) (gocv.Mat, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return gocv.Mat{}, fmt.Errorf("face: empty image")
	}
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	dst, err := m.DataPtrUint8()
	if err != nil {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("face: image buffer: %w", err)
	}
	switch src := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x+2], row[4*x+1], row[4*x]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				a := uint32(row[4*x+3])
				out[3*x] = uint8(uint32(row[4*x+2]) * a / 255)
				out[3*x+1] = uint8(uint32(row[4*x+1]) * a / 255)
				out[3*x+2] = uint8(uint32(row[4*x]) * a / 255)
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[x], row[x], row[x]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				dst[i], dst[i+1], dst[i+2] = uint8(bb>>8), uint8(g>>8), uint8(r>>8)
				i += 3
			}
		}
	}
	return m, nil
}
