package delivery

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestClassForStatus(t *testing.T) {
	tests := []struct {
		status int
		want   Class
	}{
		{400, Permanent}, {403, Permanent}, {404, Permanent}, {422, Permanent},
		{408, Retryable}, {425, Retryable}, {429, Retryable}, {500, Retryable}, {503, Retryable},
		{409, Conflict},
	}
	for _, tt := range tests {
		if got := ClassForStatus(tt.status); got != tt.want {
			t.Errorf("%d: %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.v, now); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		err  error
		want Class
	}{
		{Retry(503, time.Second, base), Retryable},
		{fmt.Errorf("wrapped: %w", Fail(422, base)), Permanent},
		{Conflicting(409, base), Conflict},
		{base, Retryable},
	}
	for _, tt := range tests {
		if got, _ := Classify(tt.err); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.err, got, tt.want)
		}
		if !errors.Is(tt.err, base) {
			t.Errorf("%v does not wrap its cause", tt.err)
		}
	}
}

func TestWithoutURL(t *testing.T) {
	cause := errors.New("connection refused")
	err := WithoutURL(fmt.Errorf("post: %w", &url.Error{Op: "Post", URL: "https://r.example/persons/P-42?tx=1", Err: cause}))
	if err != cause || strings.Contains(err.Error(), "P-42") {
		t.Errorf("got %v", err)
	}
	if other := errors.New("plain"); WithoutURL(other) != other {
		t.Error("a plain error was changed")
	}
}
