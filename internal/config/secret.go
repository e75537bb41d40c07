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
	return secret("registry.client_secret_file", r.ClientSecret, r.ClientSecretFile)
}

// APIToken returns the Digital Identity Service API token: DIS.APIToken,
// or the first line of DIS.APITokenFile.
func (r Registry) APIToken() (string, error) {
	return secret("registry.dis.api_token_file", r.DIS.APIToken, r.DIS.APITokenFile)
}

// PersonSecret returns the person-registry secret key from
// PersonAPI.PersonSecretFile, or nil when none is configured.
func (r Registry) PersonSecret() ([]byte, error) {
	if r.PersonAPI.PersonSecretFile == "" {
		return nil, nil
	}
	v, err := secret("registry.personapi.person_secret_file", "", r.PersonAPI.PersonSecretFile)
	return []byte(v), err
}

// secret returns value, or the first line of file when one is named.
func secret(key, value, file string) (string, error) {
	if file == "" {
		return value, nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return "", fmt.Errorf("%s %s: mode %v lets other users read it; run chmod 0600 (or 0640 for a group) on it",
			key, file, fi.Mode().Perm())
	}
	if fi.Size() > maxSecretFile {
		return "", fmt.Errorf("%s %s: %d bytes is too large for a secret", key, file, fi.Size())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	v := strings.TrimSpace(line)
	if v == "" {
		return "", fmt.Errorf("%s %s is empty", key, file)
	}
	return v, nil
}
