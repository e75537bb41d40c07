package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// cgoModules are the device stacks that must stay out of sync/, ui/ and internal/.
var cgoModules = []string{"gocv.io/x/gocv", "github.com/google/gousb", "github.com/ebfe/scard"}

func TestNoCgoDeviceStacksOutsideDrivers(t *testing.T) {
	if testing.Short() {
		t.Skip("lists packages with the go command")
	}
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps,CgoFiles,Standard",
		"github.com/capturestation/station/sync/...",
		"github.com/capturestation/station/ui/...",
		"github.com/capturestation/station/internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
			CgoFiles   []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		n++
		if strings.Contains(p.ImportPath, "/internal/testdata") {
			continue // test-data generators may render with OpenCV
		}
		if len(p.CgoFiles) > 0 {
			t.Errorf("%s has cgo files %v", p.ImportPath, p.CgoFiles)
		}
		for _, d := range p.Deps {
			for _, m := range cgoModules {
				if d == m || strings.HasPrefix(d, m+"/") {
					t.Errorf("%s depends on %s; keep device stacks in drivers/", p.ImportPath, d)
				}
			}
		}
	}
	if n < 5 {
		t.Fatalf("listed only %d packages; the pattern is wrong", n)
	}
}
