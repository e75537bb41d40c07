package finger

import (
	"bufio"
	"image"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readPGM(t testing.TB, path string) *image.Gray {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w, h, maxv int
	var hdr int
	fields := 0
	vals := [4]string{}
	i := 0
	for fields < 4 {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			i++
		}
		if b[i] == '#' {
			for b[i] != '\n' {
				i++
			}
			continue
		}
		j := i
		for j < len(b) && !(b[j] == ' ' || b[j] == '\n' || b[j] == '\r' || b[j] == '\t') {
			j++
		}
		vals[fields] = string(b[i:j])
		fields++
		i = j
	}
	hdr = i + 1
	if vals[0] != "P5" {
		t.Fatalf("%s: not a binary PGM", path)
	}
	w, _ = strconv.Atoi(vals[1])
	h, _ = strconv.Atoi(vals[2])
	maxv, _ = strconv.Atoi(vals[3])
	if maxv != 255 || len(b) < hdr+w*h {
		t.Fatalf("%s: unsupported PGM", path)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, b[hdr:hdr+w*h])
	return img
}

func readRef(t testing.TB, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		m[strings.TrimSpace(k)] = x
	}
	return m
}
