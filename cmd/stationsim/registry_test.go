package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/capturestation/station/sync/dis"
	"github.com/capturestation/station/sync/idv"
	"github.com/capturestation/station/sync/personapi"
	"github.com/capturestation/station/sync/spid"
	"github.com/capturestation/station/sync/worker"
)

// Each registry simulator, started as stationsim starts it, answers its
// connector's reachability check with the default credentials.
func TestRegistrySimulatorsAnswerTheirConnectors(t *testing.T) {
	for _, tc := range []struct {
		kind string
		conn func(base string) (worker.Connector, error)
	}{
		{"dis", func(base string) (worker.Connector, error) {
			return check(dis.New(dis.Config{BaseURL: base, APIToken: "sim-secret", Timeout: 5 * time.Second}))
		}},
		{"spid", func(base string) (worker.Connector, error) {
			return check(spid.New(spid.Config{BaseURL: base, TokenURL: base + "/oauth/token", ClientID: "station", ClientSecret: "sim-secret", Timeout: 5 * time.Second}))
		}},
		{"personapi", func(base string) (worker.Connector, error) {
			return check(personapi.New(personapi.Config{BaseURL: base, TokenURL: base + "/auth/token", ClientID: "station", ClientSecret: "sim-secret", Timeout: 5 * time.Second}))
		}},
		{"idv", func(base string) (worker.Connector, error) {
			return check(idv.New(idv.Config{BaseURL: base, TokenURL: base + "/oauth/token", ClientID: "station", ClientSecret: "sim-secret",
				Timeout: 5 * time.Second, Latitude: 6.5244, Longitude: 3.3792}))
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"registry", tc.kind, "--listen", "127.0.0.1:0"}, pw, io.Discard)
				pw.Close()
			}()
			base := "http://" + waitAddr(t, pr)
			c, err := tc.conn(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run after cancel: %v", err)
			}
		})
	}
}

func check[C worker.Connector](c C, err error) (worker.Connector, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}
