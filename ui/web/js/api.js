// The station's HTTP API (docs/api.md): session cookie plus X-CSRF-Token.

let csrf = "";

/** An API error: status, the station's code, and its message. */
export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** Calls the API; rejects with APIError. */
export async function call(method, path, body, contentType = "application/json") {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = contentType;
    opts.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = csrf;
  let r;
  try { r = await fetch(path, opts); } catch (e) { throw new APIError(0, "network", e.message); }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) throw new APIError(r.status, (data && data.code) || String(r.status), (data && data.error) || r.statusText);
  return data;
}

/** Logs in; returns the session info. */
export async function login(name, secret) {
  const s = await call("POST", "/api/v1/session", { name, secret });
  csrf = s.csrfToken;
  return s;
}

/** Returns the current session, or null when logged out. */
export async function session() {
  try {
    const s = await call("GET", "/api/v1/session");
    csrf = s.csrfToken;
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

/** Logs out. */
export async function logout() {
  try { await call("DELETE", "/api/v1/session"); } finally { csrf = ""; }
}
