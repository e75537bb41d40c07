package workflow_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/vchip"
	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/drivers/fingerprint/uru4000"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/internal/testdata/fingerprints"
	"github.com/capturestation/station/sync/outbox"
)

// specimen is the ICAO 9303 part 4 specimen passport MRZ.
const specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

const (
	supervisorPIN = "246810"
	operatorPIN   = "135791"
)

// station is one run of the daemon over a database file: what cmd/stationd
// wires, with simulated devices.
type station struct {
	t       *testing.T
	path    string
	kek     []byte
	db      *store.DB
	log     *audit.Log
	outbox  *outbox.Outbox
	acc     *operators.Accounts
	bus     *events.Bus
	svc     *workflow.Service
	devices stationDevices
	policy  workflow.Policy
}

// stationDevices are the devices a station is built with.
type stationDevices struct {
	chip     workflow.ChipReader
	document workflow.DocumentReader
	face     workflow.FaceCapturer
	fingers  workflow.FingerScanner
}

func newStation(t *testing.T, p workflow.Policy, dev stationDevices) *station {
	t.Helper()
	kek := make([]byte, store.KeySize)
	if _, err := rand.Read(kek); err != nil {
		t.Fatal(err)
	}
	st := &station{t: t, path: filepath.Join(t.TempDir(), "station.db"), kek: kek, devices: dev, policy: p}
	st.open()
	ctx := context.Background()
	for _, a := range []struct {
		name string
		role operators.Role
		pin  string
	}{{"op1", operators.Operator, operatorPIN}, {"sup1", operators.Supervisor, supervisorPIN}, {"sup2", operators.Supervisor, supervisorPIN}, {"op2", operators.Operator, operatorPIN}} {
		if err := st.acc.Add(ctx, a.name, a.role, a.pin); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// open opens the database and builds the services, as the daemon does at start.
func (st *station) open() {
	t := st.t
	t.Helper()
	db, err := store.Open(st.path, st.kek, store.Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	st.db = db
	t.Cleanup(func() { db.Close() })
	if st.log, err = audit.New(db, audit.Options{}); err != nil {
		t.Fatal(err)
	}
	if st.outbox, err = outbox.New(db, outbox.Options{Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	st.acc = operators.New(accountStore{db}, operators.Policy{MaxFailures: 3, LockFor: time.Minute})
	st.bus = events.NewBus(100000)
	p := st.policy
	st.svc, err = workflow.New(db, workflow.Options{
		StationID: "station-1", Policy: &p, Sealer: st.outbox, Targets: []string{"osia"}, Audit: st.log,
		Approver: workflow.AccountsApprover{Accounts: st.acc}, Events: st.bus,
		Chip: st.devices.chip, Document: st.devices.document, Face: st.devices.face, Fingers: st.devices.fingers, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// crash drops the service without any shutdown and closes the file, as a
// killed process leaves it; restart opens it again.
func (st *station) crash() {
	st.t.Helper()
	st.svc = nil
	if err := st.db.Close(); err != nil {
		st.t.Fatal(err)
	}
}

// accountStore keeps accounts sealed in the store, as cmd/stationd does.
type accountStore struct{ db *store.DB }

func (s accountStore) GetAccount(ctx context.Context, name string) (operators.Account, bool, error) {
	var a operators.Account
	var found bool
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		found, err = tx.GetSealed(store.Operators, name, &a)
		return err
	})
	return a, found, err
}

func (s accountStore) PutAccount(ctx context.Context, a operators.Account) error {
	return s.db.Update(ctx, func(tx *store.Tx) error { return tx.PutSealed(store.Operators, a.Name, a) })
}

func (s accountStore) ListAccounts(ctx context.Context) ([]operators.Account, error) {
	var out []operators.Account
	err := s.db.View(ctx, func(tx *store.Tx) error {
		return tx.Bucket(store.Operators).ForEach(func(k, v []byte) error {
			plain, err := tx.Unseal(store.Operators, string(k), v)
			if err != nil {
				return err
			}
			var a operators.Account
			if err := json.Unmarshal(plain, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// vchipDocument is a PACE passport with the specimen MRZ.
func vchipDocument(t testing.TB) *vchip.Document {
	t.Helper()
	d, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: specimen, Profile: vchip.ProfilePACEBrainpool, FaceBytes: 12 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// chipReader reads doc's virtual chip, trusting the CSCA of trustOf.
func chipReader(t testing.TB, doc, trustOf *vchip.Document) devices.Chip {
	t.Helper()
	c, err := passive.ParseCertificate(trustOf.PKI.CSCA.Raw)
	if err != nil {
		t.Fatal(err)
	}
	trust := &passive.TrustStore{}
	trust.Add(c)
	return devices.Chip{Trust: trust, Connect: func(context.Context) (emrtd.Transport, func() error, error) {
		card, err := vchip.New(doc.Config)
		if err != nil {
			return nil, nil, err
		}
		return card, func() error { return nil }, nil
	}}
}

// prints caches generated fingerprints, cut to the U.are.U platen.
var prints sync.Map

func print(t testing.TB, seed int64, degradation float64) *image.Gray {
	t.Helper()
	key := fmt.Sprint(seed, degradation)
	if v, ok := prints.Load(key); ok {
		return v.(*image.Gray)
	}
	p, err := fingerprints.Generate(fingerprints.Params{Seed: seed, Degradation: degradation})
	if err != nil {
		t.Fatal(err)
	}
	img := centre(p.Image, uru4000.Width, uru4000.Height)
	prints.Store(key, img)
	return img
}

func centre(img *image.Gray, w, h int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	b := img.Bounds()
	draw.Draw(out, out.Bounds(), img, image.Pt(b.Min.X+(b.Dx()-w)/2, b.Min.Y+(b.Dy()-h)/2), draw.Src)
	return out
}

// simScanner is the real U.are.U driver over its in-process simulator; each
// capture places the next finger image the test queued (or the default).
type simScanner struct {
	t    testing.TB
	sim  *uru4000.Simulator
	scan *uru4000.Scanner

	mu    sync.Mutex
	queue []*image.Gray
	def   func(n int) *image.Gray
	n     int
}

func newSimScanner(t testing.TB, def func(n int) *image.Gray) *simScanner {
	t.Helper()
	sim := uru4000.NewSimulator(uru4000.SimConfig{Model: uru4000.ModelURU4000B(), AutoFinger: true, FingerDelay: 20 * time.Millisecond, Seed: 1})
	if err := sim.SetImage(def(0)); err != nil {
		t.Fatal(err)
	}
	sc, err := uru4000.Open(context.Background(), sim, uru4000.ModelURU4000B(), "sim", uru4000.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return &simScanner{t: t, sim: sim, scan: sc, def: def}
}

// next queues the images of the next captures.
func (s *simScanner) next(imgs ...*image.Gray) {
	s.mu.Lock()
	s.queue = append(s.queue, imgs...)
	s.mu.Unlock()
}

func (s *simScanner) Capture(ctx context.Context, progress fingerprint.Progress) (fingerprint.Image, error) {
	s.mu.Lock()
	img := s.def(s.n)
	if len(s.queue) > 0 {
		img, s.queue = s.queue[0], s.queue[1:]
	}
	s.n++
	s.mu.Unlock()
	if err := s.sim.SetImage(img); err != nil {
		return fingerprint.Image{}, err
	}
	return s.scan.Capture(ctx, progress)
}

func (s *simScanner) Info() fingerprint.Info { return s.scan.Info() }

// fakeFace returns canned face attempts (for tests about the state machine,
// not the camera).
type fakeFace struct {
	mu      sync.Mutex
	results []workflow.FaceResult
	calls   int
}

func (f *fakeFace) CaptureFace(_ context.Context, req workflow.FaceRequest, progress func(workflow.FaceFrame)) (*workflow.FaceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.results[min(f.calls, len(f.results)-1)]
	f.calls++
	if progress != nil {
		progress(workflow.FaceFrame{Frame: 1, Pass: r.Pass, Score: r.Score, Run: 1, Need: req.Policy.AutoCaptureFrames})
	}
	return &r, nil
}

func goodFace() workflow.FaceResult {
	return workflow.FaceResult{Captured: true, Pass: true, Score: 90, Image: fakeJPEG(1), Width: 480, Height: 640, Token: fakeJPEG(2),
		Liveness: &workflow.LivenessResult{Live: true, Score: 1}, Frames: 20}
}

// fakeJPEG is an incompressible stand-in image that the clear-text scan can look for.
func fakeJPEG(seed byte) []byte {
	b := make([]byte, 8<<10)
	rand.Read(b)
	b[0], b[1], b[len(b)-1] = 0xFF, 0xD8, seed
	return b
}

// testPolicy is the default policy with two fingers and two retries.
func testPolicy() workflow.Policy {
	p := workflow.DefaultPolicy()
	p.Fingers = []enrollment.Position{enrollment.RightIndex, enrollment.LeftIndex}
	p.Retries = 2
	return p
}

// goodPrint gives a different pristine finger per capture.
func goodPrint(t testing.TB) func(n int) *image.Gray {
	return func(n int) *image.Gray { return print(t, int64(100+n%10), 0) }
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

type auditEntry = audit.Entry

// vchipOther is a document with another MRZ: the specimen's key does not open it.
func vchipOther() (*vchip.Document, error) {
	return vchip.NewDocument(vchip.DocumentSpec{MRZ: "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<<<<<<<<06", Profile: vchip.ProfileBAC, FaceBytes: 4 << 10})
}

type outboxStats = outbox.Stats
