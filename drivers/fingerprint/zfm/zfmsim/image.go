package zfmsim

import (
	"image"

	"golang.org/x/image/draw"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
)

// Prepare turns any grey image into what a module of the given model
// uploads, expanded back to 8 bits: it scales the image to cover the
// sensor's size keeping its aspect ratio, crops the centre, and keeps 16
// grey levels (v>>4, then ×17). A driver that reassembles the upload
// correctly returns exactly this image.
func Prepare(src *image.Gray, model zfm.Model) *image.Gray {
	w, h := model.ImageSize()
	return zfm.Unpack(zfm.Pack(fit(src, w, h)), w, h)
}

// fit scales src to cover w×h and crops the centre.
func fit(src *image.Gray, w, h int) *image.Gray {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	crop := sb
	if sw*h > sh*w { // wider than the sensor: crop the sides
		cw := sh * w / h
		crop.Min.X += (sw - cw) / 2
		crop.Max.X = crop.Min.X + cw
	} else { // taller: crop top and bottom
		ch := sw * h / w
		crop.Min.Y += (sh - ch) / 2
		crop.Max.Y = crop.Min.Y + ch
	}
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if crop.Dx() == w && crop.Dy() == h {
		draw.Draw(dst, dst.Bounds(), src, crop.Min, draw.Src)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	return dst
}
