//go:build matprofile

package face

import (
	"testing"

	"gocv.io/x/gocv"
)

// TestZZMatLeaks runs last (go test runs tests in source order, files by
// name) with -tags matprofile: every Mat the tests made was closed.
func TestZZMatLeaks(t *testing.T) {
	if n := gocv.MatProfile.Count(); n != 0 {
		t.Errorf("%d Mats not closed", n)
	}
}
