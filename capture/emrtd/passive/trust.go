package passive

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxTrustFileBytes bounds one file read by LoadDir.
const MaxTrustFileBytes = 32 << 20

// TrustStore holds the CSCA certificates passive authentication accepts.
type TrustStore struct {
	cscas []*Certificate
}

// Add puts CSCA certificates in the store.
func (s *TrustStore) Add(certs ...*Certificate) { s.cscas = append(s.cscas, certs...) }

// Len returns the number of certificates in the store.
func (s *TrustStore) Len() int { return len(s.cscas) }

// Issuers returns the store's certificates whose subject is c's issuer.
func (s *TrustStore) Issuers(c *Certificate) []*Certificate {
	var out []*Certificate
	for _, a := range s.cscas {
		if sameName(c.RawIssuer, a.RawSubject) {
			out = append(out, a)
		}
	}
	return out
}

// LoadReport says what LoadDir took from a directory.
type LoadReport struct {
	Certificates int
	MasterLists  []string
	// Problems lists files or master lists that were not used, and why.
	Problems []string
}

// LoadDir fills a trust store from dir: every CSCA certificate file (.cer,
// .crt, .der or .pem) is trusted as it is, and every master list (.ml) whose
// signature chains to one of those certificates adds its CSCAs. A master
// list that does not verify is reported and not used.
func LoadDir(dir string) (*TrustStore, LoadReport, error) {
	var rep LoadReport
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, rep, fmt.Errorf("passive: trust store: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	s := &TrustStore{}
	var lists []string
	for _, n := range names {
		switch strings.ToLower(filepath.Ext(n)) {
		case ".cer", ".crt", ".der", ".pem":
			certs, err := readCertificates(filepath.Join(dir, n))
			if err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", n, err))
				continue
			}
			s.Add(certs...)
		case ".ml":
			lists = append(lists, n)
		}
	}
	anchors := append([]*Certificate(nil), s.cscas...)
	for _, n := range lists {
		b, err := readLimited(filepath.Join(dir, n))
		if err == nil {
			var ml *MasterList
			if ml, err = ParseMasterList(b); err == nil {
				if err = ml.Verify(anchors); err == nil {
					s.Add(ml.Certificates...)
					rep.MasterLists = append(rep.MasterLists, n)
					if len(ml.Skipped) > 0 {
						rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %d certificates skipped: %v", n, len(ml.Skipped), ml.Skipped[0]))
					}
				}
			}
		}
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: not used: %v", n, err))
		}
	}
	rep.Certificates = s.Len()
	if s.Len() == 0 {
		return nil, rep, fmt.Errorf("passive: trust store %s holds no usable CSCA certificate", dir)
	}
	return s, rep, nil
}

func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxTrustFileBytes {
		return nil, fmt.Errorf("larger than %d MiB", MaxTrustFileBytes>>20)
	}
	return os.ReadFile(path)
}

// readCertificates reads one DER certificate or any number of PEM ones.
func readCertificates(path string) ([]*Certificate, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(b[:min(len(b), 64)]), "-----BEGIN") {
		c, err := ParseCertificate(b)
		if err != nil {
			return nil, err
		}
		return []*Certificate{c}, nil
	}
	var out []*Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate in the PEM file")
	}
	return out, nil
}
