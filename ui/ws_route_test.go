package ui

import (
	"net/http"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestWebSocketRoute(t *testing.T) {
	tcp, local, _ := newTestServer(t)
	url := "ws" + strings.TrimPrefix(tcp.URL, "http") + "/api/v1/ws"
	if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("websocket without a session: %v %v, want 401", resp, err)
	}
	c, _ := login(t, tcp, "amina")
	hdr := http.Header{"Origin": {tcp.URL}}
	for _, ck := range c.Jar.Cookies(mustURL(t, tcp.URL)) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		t.Fatalf("websocket with a session: %v", err)
	}
	var welcome struct {
		Type string
		Data struct{ Operator, Role string }
	}
	if err := conn.ReadJSON(&welcome); err != nil || welcome.Type != "welcome" || welcome.Data.Operator != "amina" {
		t.Fatalf("welcome = %+v, %v", welcome, err)
	}
	conn.Close()
	hdr.Set("Origin", "http://elsewhere.example")
	if _, resp, _ := websocket.DefaultDialer.Dial(url, hdr); resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin websocket: %v, want 403", resp)
	}
	if _, resp, _ := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(local.URL, "http")+"/api/v1/ws", nil); resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		t.Fatalf("the control socket offers the websocket: %v", resp)
	}
}

func mustURL(t *testing.T, s string) *neturl.URL {
	t.Helper()
	u, err := neturl.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
