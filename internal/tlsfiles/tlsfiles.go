// Package tlsfiles builds the TLS client configuration and transport of a registry
// connection from the files the station's configuration names: a private
// CA bundle and, for mutual TLS, a client certificate and key. Errors name
// the configuration keys (registry.ca_file, registry.cert_file,
// registry.key_file).
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// ClientConfig returns a TLS 1.2+ client configuration trusting caFile's
// certificates (the system's when empty) and presenting certFile/keyFile
// (both or neither).
func ClientConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("registry.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("registry.ca_file %s: no PEM certificate found", caFile)
		}
		c.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("registry.cert_file and registry.key_file go together: set both for mutual TLS, or neither")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("registry.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// TransportOr returns rt when it is set (tests, custom stacks), else
// Transport(caFile, certFile, keyFile).
func TransportOr(rt http.RoundTripper, caFile, certFile, keyFile string) (http.RoundTripper, error) {
	if rt != nil {
		return rt, nil
	}
	return Transport(caFile, certFile, keyFile)
}

// Transport returns an HTTP transport for a registry: the default one's
// settings (proxy, timeouts) with ClientConfig's TLS and a pool sized for
// the sync workers' parallel deliveries.
func Transport(caFile, certFile, keyFile string) (*http.Transport, error) {
	c, err := ClientConfig(caFile, certFile, keyFile)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = c
	t.MaxIdleConnsPerHost = 16
	return t, nil
}
