// The websocket client (docs/ui-protocol.md, version 1): events with resync,
// commands with replies, and binary preview frames.

const VERSION = 1;
const EVENT_KINDS = ["health", "sync", "device", "capture", "enrollment"];

/** A failed command: the station's error code and message. */
export class CommandError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

/** Parses a binary preview frame: {seq, width, height, device, jpeg}. */
export function parseFrame(buf) {
  const v = new DataView(buf);
  if (buf.byteLength < 12) return null;
  const hl = v.getUint16(0);
  if (hl < 12 || hl > buf.byteLength || v.getUint8(2) !== 1) return null;
  return {
    seq: v.getUint32(4), width: v.getUint16(8), height: v.getUint16(10),
    device: new TextDecoder().decode(new Uint8Array(buf, 12, hl - 12)),
    jpeg: new Uint8Array(buf, hl),
  };
}

/**
 * Station keeps one websocket open while the operator is logged in,
 * reconnecting with backoff and resuming the event stream where it left off.
 */
export class Station extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.backoff = 1000;
    this.wanted = false;
    this.state = "offline";
    this.welcome = null;
    this.preview = null; // the device the page wants frames of
  }

  /** Opens the connection (and keeps it open until stop). */
  start() {
    if (this.wanted) return;
    this.wanted = true;
    this.open();
  }

  /** Closes the connection for good (logout). */
  stop() {
    this.wanted = false;
    clearTimeout(this.retry);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.setState("offline");
  }

  setState(s) {
    this.state = s;
    this.dispatchEvent(new CustomEvent("state", { detail: s }));
  }

  open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/ws`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.setState("connecting");
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const [, p] of this.pending) p.reject(new CommandError("disconnected", ""));
      this.pending.clear();
      if (ev.code === 4401) { // the session ended
        this.wanted = false;
        this.setState("offline");
        this.dispatchEvent(new Event("session-ended"));
        return;
      }
      this.setState("offline");
      if (this.wanted) {
        this.retry = setTimeout(() => this.open(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, 15000);
      }
    };
  }

  receive(data) {
    if (data instanceof ArrayBuffer) {
      const f = parseFrame(data);
      if (f) this.dispatchEvent(new CustomEvent("frame", { detail: f }));
      return;
    }
    let m;
    try { m = JSON.parse(data); } catch { return; }
    if (m.v !== VERSION) return;
    switch (m.type) {
      case "welcome":
        this.welcome = m.data;
        this.backoff = 1000;
        this.hello();
        return;
      case "reply":
      case "error": {
        const p = this.pending.get(m.re);
        if (!p) return;
        this.pending.delete(m.re);
        clearTimeout(p.timer);
        if (m.type === "reply") p.resolve(m.data); else p.reject(new CommandError(m.code, m.message));
        return;
      }
      case "resync-required":
        this.remember(m.data && m.data.lastEventId);
        this.dispatchEvent(new Event("resync"));
        return;
    }
    if (EVENT_KINDS.includes(m.type)) {
      this.remember(m.id);
      this.dispatchEvent(new CustomEvent("event", { detail: m }));
    }
  }

  remember(id) {
    if (typeof id !== "number") return;
    sessionStorage.setItem("station.lastEventId", String(id));
    sessionStorage.setItem("station.epoch", this.welcome ? this.welcome.epoch : "");
  }

  async hello() {
    const last = sessionStorage.getItem("station.lastEventId");
    const epoch = sessionStorage.getItem("station.epoch") || "";
    try {
      const r = await this.command("hello", { lastEventId: last === null ? null : Number(last), epoch });
      if (last === null || r.resync) this.remember(r.lastEventId);
      this.setState("online");
      // A fresh stream: the page reloads what it shows, events keep it current.
      if (last === null) this.dispatchEvent(new Event("resync"));
      if (this.preview) this.command("subscribe-preview", { device: this.preview }).catch(() => {});
    } catch { /* the connection closed; it reopens */ }
  }

  /** Sends a command; resolves with the reply's data or rejects with CommandError. */
  command(type, data, timeout = 120000) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new CommandError("disconnected", ""));
        return;
      }
      const id = `c${this.nextId++}`;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError("timeout", ""));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ v: VERSION, type, id, data: data ?? {} }));
    });
  }

  /** Subscribes to a device's preview frames (kept across reconnections). */
  async subscribePreview(device) {
    this.preview = device;
    return this.command("subscribe-preview", { device });
  }

  /** Stops the preview frames. */
  async unsubscribePreview() {
    this.preview = null;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.command("unsubscribe-preview", {});
  }
}
