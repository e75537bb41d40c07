package faces

import "testing"

func TestAstronaut(t *testing.T) {
	img, err := Astronaut()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("size %v", b)
	}
}
