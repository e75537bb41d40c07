package config

import (
	"fmt"
	"os"
	"strings"
)

// maxSecretFile bounds a client secret file.
const maxSecretFile = 4 << 10

// Secret returns the OAuth2 client secret: ClientSecret, or the first line
// of ClientSecretFile. A secret file that others may read is refused.
func (r Registry) Secret() (string, error) {
	if r.ClientSecretFile == "" {
		return r.ClientSecret, nil
	}
	fi, err := os.Stat(r.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("registry.client_secret_file: %w", err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return "", fmt.Errorf("registry.client_secret_file %s: mode %v lets other users read it; run chmod 0600 (or 0640 for a group) on it",
			r.ClientSecretFile, fi.Mode().Perm())
	}
	if fi.Size() > maxSecretFile {
		return "", fmt.Errorf("registry.client_secret_file %s: %d bytes is too large for a secret", r.ClientSecretFile, fi.Size())
	}
	b, err := os.ReadFile(r.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("registry.client_secret_file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	s := strings.TrimSpace(line)
	if s == "" {
		return "", fmt.Errorf("registry.client_secret_file %s is empty", r.ClientSecretFile)
	}
	return s, nil
}
