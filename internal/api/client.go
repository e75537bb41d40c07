package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// ErrDaemonNotRunning is returned when nothing answers on the control socket.
var ErrDaemonNotRunning = errors.New("stationd is not running")

// StatusError is an error answer from the daemon.
type StatusError struct {
	Status int
	Body   Error
}

func (e *StatusError) Error() string {
	if e.Body.Error != "" {
		return e.Body.Error
	}
	return "stationd answered HTTP " + strconv.Itoa(e.Status)
}

// Client talks to stationd's API over its unix control socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a client for the control socket at path.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 10 * time.Second,
	}
	return &Client{socket: socket, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://stationd"+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("%w (no answer on %s): start it with `stationd --config FILE`, or point stationctl at its socket with --socket or STATION_DATA_DIR", ErrDaemonNotRunning, c.socket)
		}
		if errors.Is(err, syscall.EACCES) {
			return fmt.Errorf("no permission to use %s: run stationctl as a member of the station's group", c.socket)
		}
		return fmt.Errorf("stationd: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("stationd: read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		se := &StatusError{Status: resp.StatusCode}
		_ = json.Unmarshal(data, &se.Body)
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("stationd: unexpected answer: %w", err)
	}
	return nil
}

func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, "", out)
}

func (c *Client) sendJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return c.do(ctx, method, path, body, "application/json", out)
}

// Status returns the station's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.getJSON(ctx, "/api/v1/status", &s)
}

// Queue lists outbox items in a state ("" for all) after the cursor
// after ("" for the first page).
func (c *Client) Queue(ctx context.Context, state, after string, limit int) (QueueList, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if after != "" {
		q.Set("after", after)
	}
	q.Set("limit", strconv.Itoa(limit))
	var l QueueList
	return l, c.getJSON(ctx, "/api/v1/queue?"+q.Encode(), &l)
}

// QueueItem returns one outbox item.
func (c *Client) QueueItem(ctx context.Context, id string) (QueueItem, error) {
	var it QueueItem
	return it, c.getJSON(ctx, "/api/v1/queue/"+url.PathEscape(id), &it)
}

// Retry puts a failed item back in the queue.
func (c *Client) Retry(ctx context.Context, id string) (QueueItem, error) {
	var it QueueItem
	return it, c.sendJSON(ctx, http.MethodPost, "/api/v1/queue/"+url.PathEscape(id)+"/retry", nil, &it)
}

// Purge drops a failed item the operator gives up on.
func (c *Client) Purge(ctx context.Context, id string) error {
	return c.sendJSON(ctx, http.MethodDelete, "/api/v1/queue/"+url.PathEscape(id), nil, nil)
}

// EnrollOSIAIdentity queues an enrollment from an OSIA Identity JSON document;
// personID may be empty to let the station choose one.
func (c *Client) EnrollOSIAIdentity(ctx context.Context, identity []byte, personID string) (EnrollResult, error) {
	path := "/api/v1/enrollments?format=osia-identity"
	if personID != "" {
		path += "&personId=" + url.QueryEscape(personID)
	}
	var r EnrollResult
	return r, c.do(ctx, http.MethodPost, path, bytes.NewReader(identity), "application/json", &r)
}

// StationKey returns the public part of the station's signing key.
// EnrollSimulated drives count complete enrollments through the workflow
// with the station's simulated devices.
func (c *Client) EnrollSimulated(ctx context.Context, count int) ([]SimulatedEnrollment, error) {
	var out []SimulatedEnrollment
	err := c.sendJSON(ctx, http.MethodPost, "/api/v1/enrollments/simulated?count="+strconv.Itoa(count), struct{}{}, &out)
	return out, err
}

func (c *Client) StationKey(ctx context.Context) (KeyInfo, error) {
	var k KeyInfo
	return k, c.getJSON(ctx, "/api/v1/keys/station", &k)
}

// AddOperator creates an operator account.
func (c *Client) AddOperator(ctx context.Context, op NewOperator) error {
	return c.sendJSON(ctx, http.MethodPost, "/api/v1/operators", op, nil)
}

// Operators lists the operator accounts.
func (c *Client) Operators(ctx context.Context) ([]Operator, error) {
	var ops []Operator
	return ops, c.getJSON(ctx, "/api/v1/operators", &ops)
}
