package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/wsq"
	"github.com/capturestation/station/ui/ws"
)

// imageReply is a captured image for the operator's screen: the chip
// portrait, the captured face or a fingerprint, in a format browsers show.
type imageReply struct {
	What   string `json:"what"`
	Type   string `json:"type"` // image/jpeg or image/png
	Data   []byte `json:"data"` // base64 in JSON
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// image returns one of the draft's images: "portrait" (the chip's), "face",
// or a finger position. JPEG 2000 portraits become JPEG and WSQ prints PNG.
func (c workflowCommands) image(ctx context.Context, id, what string) (*imageReply, error) {
	d, err := c.w.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	switch what {
	case "portrait":
		if d.Chip == nil || len(d.Chip.Portrait) == 0 {
			return nil, fmt.Errorf("%w: no chip portrait in this enrollment", ws.ErrBadRequest)
		}
		if d.Chip.PortraitFormat == "JPEG" {
			return &imageReply{What: what, Type: "image/jpeg", Data: d.Chip.Portrait}, nil
		}
		return toJPEG(what, d.Chip.Portrait)
	case "face":
		if d.Enrollment.Face == nil || len(d.Enrollment.Face.Image.Data) == 0 {
			return nil, fmt.Errorf("%w: no face captured yet", ws.ErrBadRequest)
		}
		im := d.Enrollment.Face.Image
		return &imageReply{What: what, Type: "image/jpeg", Data: im.Data, Width: im.Width, Height: im.Height}, nil
	}
	pos := enrollment.Position(what)
	var img *enrollment.Image
	for _, f := range d.Enrollment.Fingers {
		if f.Position == pos && f.Image != nil {
			img = f.Image
		}
	}
	if st := d.Fingers[pos]; img == nil && st != nil && st.Candidate != nil {
		img = st.Candidate.Image
	}
	if img == nil {
		return nil, fmt.Errorf("%w: no image of %q in this enrollment", ws.ErrBadRequest, what)
	}
	if img.Format != "WSQ" {
		return nil, fmt.Errorf("%w: %s image of %q cannot be shown", ws.ErrBadRequest, img.Format, what)
	}
	g, err := wsq.Decode(bytes.NewReader(img.Data))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		return nil, err
	}
	return &imageReply{What: what, Type: "image/png", Data: buf.Bytes(), Width: g.Bounds().Dx(), Height: g.Bounds().Dy()}, nil
}

// toJPEG re-encodes an image OpenCV reads (JPEG 2000 portraits) as JPEG.
func toJPEG(what string, data []byte) (*imageReply, error) {
	m, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil || m.Empty() {
		return nil, fmt.Errorf("%w: the %s does not decode", ws.ErrBadRequest, what)
	}
	defer m.Close()
	buf, err := gocv.IMEncode(gocv.JPEGFileExt, m)
	if err != nil {
		return nil, err
	}
	defer buf.Close()
	return &imageReply{What: what, Type: "image/jpeg", Data: append([]byte(nil), buf.GetBytes()...), Width: m.Cols(), Height: m.Rows()}, nil
}
