package lds

import "github.com/capturestation/station/internal/tlv"

// MaxDisplayedImages bounds the images of DG7.
const MaxDisplayedImages = 16

// DG7 is EF.DG7: images of the holder's displayed signature or usual mark
// (ICAO 9303-10 §4.7.7), as stored (JPEG or JPEG 2000, not decoded).
type DG7 struct {
	Images [][]byte
}

// ParseDG7 parses EF.DG7: template 67 holding the number of images (02)
// and one 5F43 object per image.
func ParseDG7(b []byte) (*DG7, error) {
	top, l, err := openFile("EF.DG7", b, tlv.Tag(TagDG7))
	if err != nil {
		return nil, err
	}
	objs, err := children(l, top)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 || objs[0].Tag != 0x02 || len(objs[0].Value) != 1 {
		return nil, l.at("02").bad(nil, "the template must start with a one-byte image count")
	}
	count := int(objs[0].Value[0])
	if count < 1 || count > MaxDisplayedImages {
		return nil, l.at("02").bad(nil, "%d images announced; 1 to %d accepted", count, MaxDisplayedImages)
	}
	d := &DG7{}
	for _, o := range objs[1:] {
		if o.Tag != 0x5F43 {
			return nil, l.at(o.Tag.String()).bad(nil, "unexpected element; DG7 holds 5F43 images")
		}
		if len(o.Value) == 0 {
			return nil, l.at("5F43").bad(nil, "empty image")
		}
		d.Images = append(d.Images, clone(o.Value))
	}
	if len(d.Images) != count {
		return nil, l.bad(nil, "%d images present, %d announced", len(d.Images), count)
	}
	return d, nil
}

// BuildDG7 returns an EF.DG7 holding images, for tests and virtual chips.
func BuildDG7(images ...[]byte) []byte {
	parts := [][]byte{tlv.Encode(0x02, []byte{byte(len(images))})}
	for _, img := range images {
		parts = append(parts, tlv.Encode(0x5F43, img))
	}
	return tlv.EncodeConstructed(tlv.Tag(TagDG7), parts...)
}
