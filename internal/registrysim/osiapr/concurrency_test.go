package osiapr

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentDuplicates sends every create several times at once, as
// retrying stations do: each person and identity exists exactly once.
func TestConcurrentDuplicates(t *testing.T) {
	sim, err := New(context.Background(), Config{DisableAuth: true, DataFile: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	h := sim.Handler()
	const persons, copies = 20, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[int]int{}
	for c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range persons {
				i := (p + c*7) % persons
				for _, path := range []string{
					fmt.Sprintf("/v1/persons/P%d?transactionId=t", i),
					fmt.Sprintf("/v1/persons/P%d/identities/I%d?transactionId=t", i, i),
				} {
					body := `{"status":"ACTIVE","physicalStatus":"ALIVE"}`
					if strings.Contains(path, "identities") {
						body = `{"identityType":"CIVIL","status":"CLAIMED"}`
					}
					for {
						r := httptest.NewRequest("POST", path, strings.NewReader(body))
						r.Header.Set("Content-Type", "application/json")
						w := httptest.NewRecorder()
						h.ServeHTTP(w, r)
						if w.Code == http.StatusNotFound {
							continue // the person is being created by another copy
						}
						mu.Lock()
						created[w.Code]++
						mu.Unlock()
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	st := sim.Stats()
	if st.Persons != persons || st.Identities != persons || created[201] != 2*persons ||
		created[409] != 2*persons*(copies-1) || st.DuplicatesRejected != int64(2*persons*(copies-1)) {
		t.Errorf("stats %+v, answers %v", st, created)
	}
}

func BenchmarkCreateIdentity(b *testing.B) {
	for _, persistent := range []bool{false, true} {
		b.Run(fmt.Sprintf("persistent=%v", persistent), func(b *testing.B) {
			cfg := Config{DisableAuth: true}
			if persistent {
				cfg.DataFile = filepath.Join(b.TempDir(), "r.db")
			}
			sim, err := New(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer sim.Close()
			h := sim.Handler()
			body := mustJSONB(b, identity("Ada", "Lovelace", "1985-11-30", "CIVIL"))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for _, c := range []struct{ path, body string }{
					{fmt.Sprintf("/v1/persons/P%d?transactionId=t", i), `{"status":"ACTIVE","physicalStatus":"ALIVE"}`},
					{fmt.Sprintf("/v1/persons/P%d/identities/I1?transactionId=t", i), body},
				} {
					r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
					r.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusCreated {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrollments/s")
		})
	}
}

func mustJSONB(b *testing.B, v any) string {
	b.Helper()
	s, err := jsonString(v)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
