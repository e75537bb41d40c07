package osia

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/stationkey"
)

// testPKI issues certificates from a throw-away CA.
type testPKI struct {
	t    *testing.T
	dir  string
	ca   *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newPKI(t *testing.T) *testPKI {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test registry CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	p := &testPKI{t: t, dir: t.TempDir(), ca: ca, key: key, pool: pool}
	p.write("ca.pem", "CERTIFICATE", der)
	return p
}

func (p *testPKI) write(name, typ string, der []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// issue returns a certificate and key, as tls.Certificate and as files.
func (p *testPKI) issue(name string, usage x509.ExtKeyUsage) (tls.Certificate, string, string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		p.t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile := p.write(name+".pem", "CERTIFICATE", der)
	keyFile := p.write(name+".key", "PRIVATE KEY", kder)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		p.t.Fatal(err)
	}
	return pair, certFile, keyFile
}

func TestMutualTLS(t *testing.T) {
	pki := newPKI(t)
	serverCert, _, _ := pki.issue("registry", x509.ExtKeyUsageServerAuth)
	_, clientCert, clientKey := pki.issue("station", x509.ExtKeyUsageClientAuth)
	sim, err := osiapr.New(context.Background(), osiapr.Config{DisableAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewUnstartedServer(sim.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.pool}
	srv.StartTLS()
	defer srv.Close()

	key, _ := stationkey.Generate()
	cfg := Config{BaseURL: srv.URL, IdentityType: "CIVIL", SigningKey: key, Timeout: 5 * time.Second,
		CAFile: filepath.Join(pki.dir, "ca.pem"), CertFile: clientCert, KeyFile: clientKey}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(context.Background(), fullEnrollment()); err != nil {
		t.Fatalf("delivery over mutual TLS: %v", err)
	}

	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no client certificate", func(c *Config) { c.CertFile, c.KeyFile = "", "" }},
		{"registry CA not trusted", func(c *Config) { c.CAFile = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := cfg
			tt.edit(&bad)
			c, err := New(bad)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Ping(context.Background()); err == nil {
				t.Fatal("TLS handshake succeeded")
			}
		})
	}
}
