// Command genglyphs renders the OCR-B glyph templates of the MRZ reader
// from the public-domain OCR-B font of Debian's fonts-ocr-b package into
// glyphs.png: one row of cells, one per character of the MRZ alphabet, in
// the order of ocr.Alphabet. Each cell is the character's advance width
// (centred on its ink) by its cap height, scaled to the cell size the
// reader compares with. Run it with go generate in capture/mrz/ocr; the
// PNG is committed, so neither building nor running needs the font.
package main

import (
	"flag"
	"image"
	"image/draw"
	"image/png"
	"log"
	"os"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const (
	alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
	cellW    = 24
	cellH    = 32
	// size is the rendering size in pixels per em; OCR-B's advance is 0.72 em.
	size = 200
	// cellAbove and cellBelow extend the cell beyond the cap height, in
	// percent of it (they must match the reader's).
	cellAbove = 5
	cellBelow = 15
)

func main() {
	// OCRBS.otf holds the same OCR-B glyphs as OCRB.otf without the CFF
	// flex operators golang.org/x/image cannot read.
	in := flag.String("font", "/usr/share/fonts/opentype/ocr-b/OCRBS.otf", "OCR-B font file")
	out := flag.String("out", "glyphs.png", "PNG atlas to write")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatalf("genglyphs: %v (install fonts-ocr-b)", err)
	}
	f, err := opentype.Parse(b)
	if err != nil {
		log.Fatalf("genglyphs: %v", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		log.Fatalf("genglyphs: %v", err)
	}
	capH := face.Metrics().CapHeight.Ceil()
	atlas := image.NewGray(image.Rect(0, 0, cellW*len(alphabet), cellH))
	draw.Draw(atlas, atlas.Bounds(), image.White, image.Point{}, draw.Src)
	for i, r := range alphabet {
		adv, ok := face.GlyphAdvance(r)
		if !ok {
			log.Fatalf("genglyphs: the font has no %q", r)
		}
		w := adv.Ceil()
		glyph := image.NewGray(image.Rect(0, 0, w*2, capH*2))
		draw.Draw(glyph, glyph.Bounds(), image.White, image.Point{}, draw.Src)
		d := &font.Drawer{Dst: glyph, Src: image.Black, Face: face, Dot: fixed.P(w/2, capH+capH/2)}
		d.DrawString(string(r))
		ink := inkBounds(glyph)
		if ink.Empty() {
			log.Fatalf("genglyphs: %q renders no ink", r)
		}
		// The cell: the advance width centred on the ink, from a little above
		// the cap line to a little below the baseline (Q's tail), as the
		// reader cuts its cells.
		cx := (ink.Min.X + ink.Max.X) / 2
		top := capH/2 - capH*cellAbove/100
		cell := image.Rect(cx-w/2, top, cx-w/2+w, capH/2+capH+capH*cellBelow/100)
		dst := atlas.SubImage(image.Rect(i*cellW, 0, (i+1)*cellW, cellH)).(*image.Gray)
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), glyph, cell, draw.Src, nil)
	}
	fh, err := os.Create(*out)
	if err != nil {
		log.Fatalf("genglyphs: %v", err)
	}
	if err := png.Encode(fh, atlas); err != nil {
		log.Fatalf("genglyphs: %v", err)
	}
	if err := fh.Close(); err != nil {
		log.Fatalf("genglyphs: %v", err)
	}
}

func inkBounds(img *image.Gray) image.Rectangle {
	r := image.Rectangle{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.GrayAt(x, y).Y < 128 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}
