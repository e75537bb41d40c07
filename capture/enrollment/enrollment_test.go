package enrollment

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	img := &Image{Format: "WSQ", Data: []byte{1}}
	tests := []struct {
		name string
		edit func(*Enrollment)
		want string
	}{
		{"complete", func(*Enrollment) {}, ""},
		{"no person", func(e *Enrollment) { e.PersonID = "" }, "personId is empty"},
		{"slash in id", func(e *Enrollment) { e.IdentityID = "a/b" }, "identityId"},
		{"finger without position", func(e *Enrollment) { e.Fingers = []Finger{{Image: img}} }, "no position"},
		{"finger twice", func(e *Enrollment) {
			e.Fingers = []Finger{{Position: RightIndex, Image: img}, {Position: RightIndex, Missing: Bandaged}}
		}, "twice"},
		{"finger with neither", func(e *Enrollment) { e.Fingers = []Finger{{Position: LeftThumb}} }, "either"},
		{"finger with both", func(e *Enrollment) { e.Fingers = []Finger{{Position: LeftThumb, Image: img, Missing: Damaged}} }, "either"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New("st-1", "op-1", time.Now())
			tt.edit(e)
			err := e.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMimeType(t *testing.T) {
	for format, want := range map[string]string{"WSQ": "image/x-wsq", "JPEG": "image/jpeg", "JPEG2000": "image/jp2", "PNG": "image/png", "BMP": "application/octet-stream"} {
		if got := (Image{Format: format}).MimeType(); got != want {
			t.Errorf("%s: %s, want %s", format, got, want)
		}
	}
}
