package mrzpages

import (
	"image"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/mrz"
)

func TestFormatOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, f := range []mrz.Format{TD1, TD2, TD3, MRVA, MRVB} {
		got, err := formatOf(Identity(rng, f))
		if err != nil || got != f {
			t.Errorf("%s: got %s, %v", f, got, err)
		}
	}
	for _, tc := range []struct {
		name  string
		lines []string
	}{
		{"none", nil},
		{"one line", []string{strings.Repeat("<", 44)}},
		{"ragged", []string{strings.Repeat("<", 44), strings.Repeat("<", 43)}},
		{"three long lines", []string{strings.Repeat("<", 44), strings.Repeat("<", 44), strings.Repeat("<", 44)}},
	} {
		if _, err := formatOf(tc.lines); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestDataPage(t *testing.T) {
	g, err := New()
	if err != nil {
		t.Skip(err)
	}
	lines := Identity(rand.New(rand.NewPCG(5, 6)), TD1)
	a, err := g.DataPage(9, lines)
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds().Size() != (image.Point{1011, 638}) {
		t.Errorf("TD1 page is %v, want the card's 1011x638 at 300 dpi", a.Bounds().Size())
	}
	b, _ := g.DataPage(9, lines)
	if string(a.Pix) != string(b.Pix) {
		t.Error("same seed, different page")
	}
	if _, err := g.DataPage(9, []string{"P<UTO"}); err == nil {
		t.Error("a broken MRZ drew a page")
	}
}

func TestVisualZone(t *testing.T) {
	v := visualZone([]string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"})
	want := map[string]string{"SURNAME": "ERIKSSON", "GIVEN NAMES": "ANNA MARIA", "NATIONALITY": "UTO",
		"DATE OF BIRTH": "1974-08-12", "SEX": "F", "DATE OF EXPIRY": "2012-04-15"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	if visualZone([]string{"NOT AN MRZ"}) != nil {
		t.Error("fields from a broken MRZ")
	}
}
