package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
)

// The module simulator serves a tty that the real driver opens by path.
func TestFingerZFMServesTheDriver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"finger", "zfm", "--model", "R503", "--baud", "115200", "--hold", "1h"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(line, " on ")
	path, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(path, "/dev/") {
		t.Fatalf("no tty in %q", line)
	}
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	s, err := zfm.Open(cctx, path, zfm.Options{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	img, err := s.Capture(cctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in := s.Info(); in.Model != "R503" || img.Gray.Bounds().Dx() != in.Width || in.Width != 192 {
		t.Fatalf("info %+v, image %v", in, img.Gray.Bounds())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}

func TestFingerZFMRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"finger", "zfm", "extra"},
		{"finger", "zfm", "--hold", "0s"},
		{"finger", "zfm", "--model", "X1"},
		{"finger", "zfm", "--packet-size", "100"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
