package passive_test

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/passive/passivetest"
	"github.com/capturestation/station/internal/tlv"
)

func readCert(t testing.TB, name string) *passive.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := passive.ParseCertificate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readML(t testing.TB, name string) (*passive.MasterList, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	ml, err := passive.ParseMasterList(b)
	if err != nil {
		t.Fatal(err)
	}
	return ml, b
}

func TestRealMasterLists(t *testing.T) {
	tests := []struct {
		list, root, other string
		min               int
		key               string
	}{
		{"DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer", "NL_ROOT_CA.cer", 500, "EC brainpoolP512r1"},
		{"NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer", "DE_ROOT_CA_CSCA07.cer", 300, "RSA-4096"},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			ml, raw := readML(t, tt.list)
			if len(ml.Certificates) < tt.min || len(ml.Skipped) != 0 {
				t.Fatalf("%d certificates, %d skipped", len(ml.Certificates), len(ml.Skipped))
			}
			root := readCert(t, tt.root)
			if root.PublicKey.String() != tt.key {
				t.Fatalf("root key %s, want %s", root.PublicKey, tt.key)
			}
			if err := ml.Verify([]*passive.Certificate{root}); err != nil {
				t.Fatalf("verify with its root: %v", err)
			}
			if err := ml.Verify([]*passive.Certificate{readCert(t, tt.other)}); !errors.Is(err, passive.ErrSignature) {
				t.Fatalf("verified with another country's root: %v", err)
			}
			// A changed certificate inside the list breaks the signature.
			tampered := bytes.Clone(raw)
			tampered[len(tampered)/2] ^= 0x01
			if ml2, err := passive.ParseMasterList(tampered); err == nil {
				if err := ml2.Verify([]*passive.Certificate{root}); err == nil {
					t.Fatal("a tampered master list verified")
				}
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	s, rep, err := passive.LoadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.MasterLists) != 2 || len(rep.Problems) != 0 || rep.Certificates != s.Len() || s.Len() < 800 {
		t.Fatalf("report %+v", rep)
	}
	// Without its root the master list is not used.
	dir := t.TempDir()
	b, _ := os.ReadFile(filepath.Join("testdata", "NL_ML_2026-07-22.ml"))
	os.WriteFile(filepath.Join(dir, "nl.ml"), b, 0o600)
	c, _ := os.ReadFile(filepath.Join("testdata", "DE_ROOT_CA_CSCA07.cer"))
	os.WriteFile(filepath.Join(dir, "de.cer"), c, 0o600)
	s, rep, err = passive.LoadDir(dir)
	if err != nil || s.Len() != 1 || len(rep.MasterLists) != 0 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "nl.ml: not used") {
		t.Fatalf("store %v, report %+v, err %v", s, rep, err)
	}
	if _, _, err := passive.LoadDir(t.TempDir()); err == nil {
		t.Fatal("an empty trust store was accepted")
	}
}

var signedAt = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func document() map[int][]byte {
	return map[int][]byte{
		1:  []byte("DG1: the MRZ"),
		2:  bytes.Repeat([]byte("face"), 5000),
		14: []byte("DG14: security infos"),
	}
}

func storeOf(pki *passivetest.PKI) *passive.TrustStore {
	s := &passive.TrustStore{}
	c, err := passive.ParseCertificate(pki.CSCA.Raw)
	if err != nil {
		panic(err)
	}
	s.Add(c)
	return s
}

func TestPassiveAuthentication(t *testing.T) {
	for _, kt := range []passivetest.KeyType{passivetest.ECDSAP256, passivetest.RSA2048, passivetest.RSAPSS2048} {
		pki, err := passivetest.NewPKI(kt, "UT", signedAt)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := passivetest.NewPKI(kt, "UT", signedAt)
		groups := document()
		sod, err := pki.SOD(crypto.SHA256, groups)
		if err != nil {
			t.Fatal(err)
		}
		now := signedAt.AddDate(1, 0, 0)
		changedDG2 := document()
		changedDG2[2] = append(bytes.Clone(changedDG2[2]), 'x')
		extra := document()
		extra[3] = []byte("fingerprints")
		badSig := bytes.Clone(sod)
		badSig[len(badSig)-3] ^= 0x40

		tests := []struct {
			name                 string
			sod                  []byte
			groups               map[int][]byte
			store                *passive.TrustStore
			signature, chain     passive.Verdict
			passed               bool
			failedGroup, problem string
		}{
			{"genuine", sod, groups, storeOf(pki), passive.Passed, passive.Passed, true, "", ""},
			{"data group changed", sod, changedDG2, storeOf(pki), passive.Passed, passive.Passed, false, "2", "DG2 does not match"},
			{"data group without hash", sod, extra, storeOf(pki), passive.Passed, passive.Passed, false, "3", "no hash for it"},
			{"unknown CSCA", sod, groups, storeOf(other), passive.Passed, passive.Failed, false, "", "document signer"},
			{"no trust store", sod, groups, nil, passive.Passed, passive.Skipped, false, "", "no CSCA trust store"},
			{"signature changed", badSig, groups, storeOf(pki), passive.Failed, passive.Passed, false, "", "SOD signature"},
		}
		for _, tt := range tests {
			t.Run(kt.String()+"/"+tt.name, func(t *testing.T) {
				r, err := passive.Verify(tt.sod, tt.groups, tt.store, now)
				if err != nil {
					t.Fatal(err)
				}
				if r.Signature != tt.signature || r.Chain != tt.chain || r.Passed() != tt.passed {
					t.Fatalf("signature %s chain %s passed %v; problems %q", r.Signature, r.Chain, r.Passed(), r.Problems)
				}
				if tt.problem != "" && !strings.Contains(strings.Join(r.Problems, "\n"), tt.problem) {
					t.Fatalf("problems %q lack %q", r.Problems, tt.problem)
				}
				for _, g := range r.Groups {
					if g.Read && g.Verdict != passive.Passed && (tt.failedGroup == "" || tt.failedGroup != strconv.Itoa(g.Group)) {
						t.Fatalf("group %d %s", g.Group, g.Verdict)
					}
				}
			})
		}
	}
}

func TestMalformedSOD(t *testing.T) {
	pki, _ := passivetest.NewPKI(passivetest.ECDSAP256, "UT", signedAt)
	sod, _ := pki.SOD(crypto.SHA256, document())
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"wrong tag", append([]byte{0x78}, sod[1:]...)},
		{"truncated", sod[:len(sod)/2]},
		{"not CMS", []byte{0x77, 0x03, 0x02, 0x01, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := passive.Verify(tt.b, nil, nil, signedAt); !errors.Is(err, passive.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func FuzzParseSOD(f *testing.F) {
	pki, _ := passivetest.NewPKI(passivetest.ECDSAP256, "UT", signedAt)
	sod, _ := pki.SOD(crypto.SHA256, document())
	f.Add(sod)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := passive.Verify(b, document(), storeOf(pki), signedAt)
		if err == nil && r.Passed() && !bytes.Equal(b, sod) && len(b) < len(sod) {
			t.Fatalf("a shorter SOD passed")
		}
	})
}

func FuzzParseCertificate(f *testing.F) {
	for _, n := range []string{"DE_ROOT_CA_CSCA07.cer", "NL_ROOT_CA.cer"} {
		b, _ := os.ReadFile(filepath.Join("testdata", n))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := passive.ParseCertificate(b); err == nil && c.PublicKey == nil {
			t.Fatal("certificate without a key")
		}
	})
}

func BenchmarkPassiveAuthentication(b *testing.B) {
	for _, kt := range []passivetest.KeyType{passivetest.ECDSAP256, passivetest.RSA2048} {
		b.Run(kt.String(), func(b *testing.B) {
			pki, _ := passivetest.NewPKI(kt, "UT", signedAt)
			groups := document()
			sod, _ := pki.SOD(crypto.SHA256, groups)
			store := storeOf(pki)
			for b.Loop() {
				r, err := passive.Verify(sod, groups, store, signedAt)
				if err != nil || !r.Passed() {
					b.Fatal(err, r.Problems)
				}
			}
		})
	}
}

func BenchmarkLoadMasterListDE(b *testing.B) {
	root := readCert(b, "DE_ROOT_CA_CSCA07.cer")
	raw, _ := os.ReadFile(filepath.Join("testdata", "DE_ML_2026-05-28-08-28-45.ml"))
	for b.Loop() {
		ml, err := passive.ParseMasterList(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := ml.Verify([]*passive.Certificate{root}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseMasterList(f *testing.F) {
	// A small real-shaped seed: the NL list cut down keeps the fuzzer fast.
	b, _ := os.ReadFile(filepath.Join("testdata", "NL_ML_2026-07-22.ml"))
	f.Add(b[:4096])
	pki, _ := passivetest.NewPKI(passivetest.ECDSAP256, "UT", signedAt)
	sod, _ := pki.SOD(crypto.SHA256, document())
	f.Add(sod[4:])
	f.Fuzz(func(t *testing.T, b []byte) {
		ml, err := passive.ParseMasterList(b)
		if err != nil {
			return
		}
		if ml.Verify(nil) == nil {
			t.Fatal("a master list verified without any anchor")
		}
	})
}

func FuzzVerifyCardSecurity(f *testing.F) {
	pki, _ := passivetest.NewPKI(passivetest.ECDSAP256, "UT", signedAt)
	infos := []byte{0x31, 0x08, 0x30, 0x06, 0x06, 0x01, 0x28, 0x02, 0x01, 0x01}
	cs, _ := pki.CardSecurity(crypto.SHA256, infos)
	f.Add(cs)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := passive.VerifyCardSecurity(b, storeOf(pki), signedAt)
		if err != nil {
			if !errors.Is(err, passive.ErrMalformed) && !errors.Is(err, passive.ErrUnsupported) {
				t.Fatalf("error %v is not a passive error", err)
			}
			return
		}
		if r.Passed() && !bytes.Equal(r.SecurityInfos, infos) {
			t.Fatalf("a changed file passed with SecurityInfos %x", r.SecurityInfos)
		}
	})
}

func TestVerifyCardSecurity(t *testing.T) {
	pki, err := passivetest.NewPKI(passivetest.RSAPSS2048, "UT", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	infos := []byte{0x31, 0x08, 0x30, 0x06, 0x06, 0x01, 0x28, 0x02, 0x01, 0x01}
	cs, err := pki.CardSecurity(crypto.SHA256, infos)
	if err != nil {
		t.Fatal(err)
	}
	r, err := passive.VerifyCardSecurity(cs, storeOf(pki), signedAt)
	if err != nil || !r.Passed() || !bytes.Equal(r.SecurityInfos, infos) {
		t.Fatalf("result %+v, %v", r, err)
	}
	if r, err := passive.VerifyCardSecurity(cs, nil, signedAt); err != nil || r.Signature != passive.Passed || r.Chain != passive.Skipped || r.Passed() {
		t.Fatalf("without a trust store: %+v, %v", r, err)
	}
	sod, err := pki.SOD(crypto.SHA256, document())
	if err != nil {
		t.Fatal(err)
	}
	inner, _, err := tlv.Decode(sod)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := passive.VerifyCardSecurity(inner.Value, storeOf(pki), signedAt); !errors.Is(err, passive.ErrMalformed) || !strings.Contains(err.Error(), "id-SecurityObject") {
		t.Fatalf("an EF.SOD taken for EF.CardSecurity: %v", err)
	}
}
