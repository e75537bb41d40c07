// Package identities generates synthetic OSIA Population Registry v1.5
// Identity documents for tests, benchmarks and demonstrations: fictitious
// people with biographic data, a portrait, fingerprint images and an identity
// document page, reproducible from a seed. No real person's data is involved.
package identities

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"time"
)

var (
	givenNames = []string{"AMINA", "BRUNO", "CHEN", "DORA", "EMEKA", "FATOU", "GIULIA", "HUGO", "IMANI", "JONAS", "KOFI", "LEILA", "MATEO", "NADIA", "OMAR", "PRIYA"}
	surnames   = []string{"ZZTEST", "OKAFOR", "MARTIN", "NGUYEN", "DIALLO", "ROSSI", "SILVA", "KOWALSKA", "HASSAN", "MENSAH", "DUBOIS", "IVANOVA"}
	nations    = []string{"FRA", "SEN", "NGA", "KEN", "BRA", "VNM", "ITA", "POL", "EGY", "GHA", "UTO"}
	fingers    = []string{"RIGHT_THUMB", "RIGHT_INDEX", "LEFT_THUMB", "LEFT_INDEX"}
)

// Options shape a generated identity.
type Options struct {
	// ImageBytes is the approximate total size of the encoded images; the
	// portrait takes half, the fingers and the document page share the rest.
	ImageBytes int
	// Fingers is how many finger images to include (at most 4); one more
	// finger is reported missing.
	Fingers int
	// Captured is the capture time written in the document.
	Captured time.Time
}

// Identity returns an OSIA Identity JSON document for the n-th person of seed.
func Identity(seed uint64, n int, opt Options) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	if opt.Captured.IsZero() {
		opt.Captured = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	}
	if opt.ImageBytes <= 0 {
		opt.ImageBytes = 8 << 10
	}
	opt.Fingers = min(max(opt.Fingers, 0), len(fingers)-1)
	captured := opt.Captured.Add(time.Duration(n) * time.Minute).Format(time.RFC3339)
	dob := time.Date(1950+rng.IntN(55), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)

	face, fw, fh, err := noiseImage(rng, opt.ImageBytes/2, true)
	if err != nil {
		return nil, err
	}
	bio := []map[string]any{{
		"biometricType": "FACE", "biometricSubType": "PORTRAIT", "image": b64(face),
		"mimeType": "image/png", "compression": "PNG", "width": fw, "height": fh,
		"captureDate": captured, "captureDevice": "sim-camera", "quality": 60 + rng.IntN(40), "qualityFormat": "ISO_29794_5",
	}}
	share := opt.ImageBytes / 2 / (opt.Fingers + 1)
	for i := 0; i < opt.Fingers; i++ {
		img, w, h, err := noiseImage(rng, share, false)
		if err != nil {
			return nil, err
		}
		bio = append(bio, map[string]any{
			"biometricType": "FINGER", "biometricSubType": fingers[i], "image": b64(img),
			"mimeType": "image/png", "compression": "PNG", "width": w, "height": h, "resolution": 500, "bitdepth": 8,
			"impressionType": "LIVE_SCAN_PLAIN", "captureDate": captured, "captureDevice": "sim-scanner",
			"quality": 40 + rng.IntN(60), "qualityFormat": "NFIQ2",
		})
	}
	bio = append(bio, map[string]any{
		"biometricType": "FINGER", "biometricSubType": fingers[opt.Fingers],
		"missing": []map[string]any{{"biometricSubType": fingers[opt.Fingers], "presence": "BANDAGED"}},
	})
	page, pw, ph, err := noiseImage(rng, share, true)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"identityType": "CIVIL",
		"status":       "CLAIMED",
		"galleries":    []string{"CIVIL"},
		"contextualData": map[string]any{
			"enrollmentDate": opt.Captured.Format(time.DateOnly),
		},
		"biographicData": map[string]any{
			"firstName":   givenNames[rng.IntN(len(givenNames))],
			"lastName":    surnames[rng.IntN(len(surnames))],
			"dateOfBirth": dob.Format(time.DateOnly),
			"gender":      []string{"M", "F", "X"}[rng.IntN(3)],
			"nationality": nations[rng.IntN(len(nations))],
		},
		"biometricData": bio,
		"documentData": []map[string]any{{
			"documentType": "PASSPORT",
			"parts": []map[string]any{{
				"pages": []int{2}, "data": b64(page), "mimeType": "image/png",
				"width": pw, "height": ph, "captureDate": captured, "captureDevice": "sim-document-camera",
			}},
		}},
	}
	return json.Marshal(doc)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// noiseImage encodes a PNG of about size bytes: a smooth gradient with
// random texture (which PNG cannot compress, so the size is controllable).
func noiseImage(rng *rand.Rand, size int, colour bool) ([]byte, int, int, error) {
	bpp := 1
	if colour {
		bpp = 3
	}
	pixels := max(size/bpp, 64)
	w := 64
	for w*w < pixels {
		w += 8
	}
	h := max(pixels/w, 8)
	var img image.Image
	if colour {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetRGBA(x, y, color.RGBA{uint8(x*255/w) ^ uint8(rng.UintN(256)), uint8(y * 255 / h), uint8(rng.UintN(256)), 255})
			}
		}
		img = m
	} else {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = uint8(rng.UintN(256))
		}
		img = m
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, 0, 0, fmt.Errorf("identities: encode image: %w", err)
	}
	return buf.Bytes(), w, h, nil
}
