package main

import (
	"testing"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/testdata/identities"
)

// Every registry kind delivers an imported enrollment to its simulator
// running inside the daemon.
func TestDaemonDeliversToEveryKind(t *testing.T) {
	for _, kind := range []string{"osia", "dis", "spid", "personapi", "idv"} {
		t.Run(kind, func(t *testing.T) {
			cfg := testConfig(t, t.TempDir())
			cfg.Registry.Kind = kind
			switch kind {
			case "dis":
				cfg.Registry.TokenURL, cfg.Registry.DIS.APIToken = "", "unit-token"
			case "personapi":
				cfg.Registry.TokenURL = cfg.Registry.URL + "/auth/token"
			case "idv":
				cfg.Registry.IDV.Latitude, cfg.Registry.IDV.Longitude = 6.5244, 3.3792
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			client := startDaemon(t, cfg)
			// Images large enough for the DIS simulator to "find" a face
			// and the card corners.
			doc, err := identities.Identity(11, 0, identities.Options{ImageBytes: 256 << 10, Fingers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.EnrollOSIAIdentity(t.Context(), doc, ""); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, client, "delivered or failed", func(st api.Status) bool { return st.Queue.Delivered+st.Queue.Failed == 1 })
			if st.Queue.Delivered != 1 {
				items, _ := client.Queue(t.Context(), "failed", "", 1)
				t.Fatalf("not delivered: %+v", items.Items)
			}
		})
	}
}
