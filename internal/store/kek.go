package store

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadKEK returns the key-encryption key. When env (the value of STATION_KEK)
// is not empty it is the key, as standard base64 of 32 bytes. Otherwise the
// key is read from the file at path: 32 raw bytes, or their base64 on one
// line. A missing file is created exclusively with 32 random bytes, mode
// 0600, and synced to disk. A file readable or writable by group or others
// is refused.
func LoadKEK(path string, env string) ([]byte, error) {
	if env != "" {
		key, err := decodeKey([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("STATION_KEK: %w", err)
		}
		return key, nil
	}
	if path == "" {
		return nil, errors.New("no key-encryption key: set data.kek_file or STATION_KEK")
	}
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
		if errors.Is(err, fs.ErrExist) { // created by someone else meanwhile
			key, err = readKeyFile(path)
		}
	}
	return key, err
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key-encryption key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("key-encryption key file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key-encryption key file %s has mode %04o, which lets others read it: run chmod 600 %s", path, perm, path)
	}
	buf := make([]byte, 256)
	n, err := f.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("read key-encryption key file %s: %w", path, err)
	}
	if n == KeySize {
		return buf[:n], nil
	}
	key, err := decodeKey(buf[:n])
	if err != nil {
		return nil, fmt.Errorf("key-encryption key file %s: %w", path, err)
	}
	return key, nil
}

func decodeKey(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(key, b)
	if err != nil {
		return nil, fmt.Errorf("not valid base64 (%v): generate one with: head -c 32 /dev/urandom | base64", err)
	}
	if n != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, need %d: generate one with: head -c 32 /dev/urandom | base64", n, KeySize)
	}
	return key[:n], nil
}

func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key-encryption key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key-encryption key file: %w", err)
	}
	_, werr := f.Write(key)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write key-encryption key file %s: %w", path, werr)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync()
		_ = dir.Close()
	}
	return key, nil
}
