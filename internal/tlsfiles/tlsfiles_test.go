package tlsfiles

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientConfigErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ca, cert, key, want string
	}{
		{"missing CA", filepath.Join(dir, "none.pem"), "", "", "registry.ca_file"},
		{"CA without PEM", notPEM, "", "", "no PEM certificate"},
		{"cert without key", "", notPEM, "", "go together"},
		{"bad key pair", "", notPEM, notPEM, "registry.cert_file/key_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ClientConfig(tc.ca, tc.cert, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	c, err := ClientConfig("", "", "")
	if err != nil || c.RootCAs != nil || len(c.Certificates) != 0 || c.MinVersion == 0 {
		t.Fatalf("default config %+v, %v", c, err)
	}
}

func TestTransport(t *testing.T) {
	tr, err := Transport("", "", "")
	if err != nil || tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion == 0 || tr.MaxIdleConnsPerHost != 16 || tr.Proxy == nil {
		t.Fatalf("transport %+v, %v", tr, err)
	}
	if _, err := Transport("/nonexistent/ca.pem", "", ""); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}

func TestTransportOr(t *testing.T) {
	given := http.DefaultTransport
	if rt, err := TransportOr(given, "/nonexistent/ca.pem", "", ""); err != nil || rt != given {
		t.Errorf("a given transport was not kept: %v, %v", rt, err)
	}
	if rt, err := TransportOr(nil, "", "", ""); err != nil || rt == nil {
		t.Errorf("no transport built: %v", err)
	}
	if _, err := TransportOr(nil, "/nonexistent/ca.pem", "", ""); err == nil {
		t.Error("a missing CA file was accepted")
	}
}
