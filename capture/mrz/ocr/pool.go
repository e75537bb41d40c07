package ocr

import (
	"runtime"

	"gocv.io/x/gocv"
)

// scratch holds the OpenCV images of one reading. Readers keep them for
// the next reading: allocated afresh every time, these large buffers go
// back to the system and come back as fresh pages, and the page faults
// can cost more than the work on them (several milliseconds per image in
// a virtual machine).
type scratch struct {
	// locate
	half, small, work, tilted, bh, grad, abs, closed, lines, th, eroded gocv.Mat
	// readBand
	crop, quarter, closedBg, bg gocv.Mat
}

// mats lists the images of a scratch.
func (s *scratch) mats() []*gocv.Mat {
	return []*gocv.Mat{&s.half, &s.small, &s.work, &s.tilted, &s.bh, &s.grad, &s.abs, &s.closed, &s.lines, &s.th, &s.eroded,
		&s.crop, &s.quarter, &s.closedBg, &s.bg}
}

// getScratch takes a scratch from the pool; putScratch gives it back.
// A scratch the pool drops closes its images when it is collected.
func (r *Reader) getScratch() *scratch {
	if s, ok := r.scratches.Get().(*scratch); ok {
		return s
	}
	s := &scratch{}
	var mats []gocv.Mat
	for _, m := range s.mats() {
		*m = gocv.NewMat()
		mats = append(mats, *m)
	}
	runtime.AddCleanup(s, func(mats []gocv.Mat) {
		for _, m := range mats {
			m.Close()
		}
	}, mats)
	return s
}

func (r *Reader) putScratch(s *scratch) { r.scratches.Put(s) }

// newPlane takes a w×h plane from the pool.
func (r *Reader) newPlane(w, h int) *plane {
	p, _ := r.planes.Get().(*plane)
	if p == nil {
		p = &plane{}
	}
	n := w * h
	if cap(p.pix) < n {
		p.pix, p.bin, p.lvl = make([]float32, n), make([]uint8, n), make([]uint8, n)
	}
	if cap(p.rows) < h {
		p.rows = make([]int, h)
	}
	p.w, p.h, p.pix, p.bin, p.lvl, p.rows = w, h, p.pix[:n], p.bin[:n], p.lvl[:n], p.rows[:h]
	return p
}

// release gives a plane back to the pool.
func (r *Reader) release(p *plane) { r.planes.Put(p) }
