"use strict";
// A minimal operator dashboard: login, station status and the sync queue.
let csrf = "";
const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  const r = await fetch(path, opts);
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) { const e = new Error((data && data.error) || r.statusText); e.status = r.status; throw e; }
  return data;
}

function show(loggedIn) { $("login").hidden = loggedIn; $("dashboard").hidden = !loggedIn; }

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) { const td = document.createElement("td"); if (c instanceof Node) td.append(c); else td.textContent = c; tr.append(td); }
  return tr;
}

async function refresh(state) {
  const s = await call("GET", "/api/v1/status");
  const dl = $("status"); dl.replaceChildren();
  const add = (k, v) => { const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v; dl.append(dt, dd); };
  add("Station", s.stationId);
  add("Registry", `${s.registry.kind} ${s.registry.reachable ? "reachable" : "unreachable"}`);
  add("Queue", `${s.queue.pending} pending, ${s.queue.inFlight} sending, ${s.queue.failed} failed, ${s.queue.delivered} delivered`);
  add("Enrollments", s.acceptingEnrollments ? "accepted" : `refused: ${s.refusal}`);
  for (const c of s.health) if (c.level !== "ok") add(c.component, `${c.level}: ${c.message}`);
  const q = await call("GET", `/api/v1/queue?state=${state}&limit=100`);
  const tb = $("queue").querySelector("tbody"); tb.replaceChildren();
  for (const it of q.items) {
    let action = "";
    if (it.state === "failed") {
      action = document.createElement("button"); action.textContent = "Retry";
      action.onclick = async () => { await call("POST", `/api/v1/queue/${encodeURIComponent(it.id)}/retry`); refresh(state); };
    }
    tb.append(row([it.transactionId, it.state, String(it.attempts), new Date(it.enqueuedAt).toLocaleString(), it.error || "", action]));
  }
}

let current = "pending";
$("login-form").onsubmit = async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const s = await call("POST", "/api/v1/session", { name: f.get("name"), secret: f.get("secret") });
    csrf = s.csrfToken; $("who").textContent = `${s.operator} (${s.role})`; show(true); refresh(current);
  } catch (e) { $("login-error").textContent = e.message; }
};
$("logout").onclick = async () => { await call("DELETE", "/api/v1/session"); show(false); };
$("show-failed").onclick = () => { current = "failed"; refresh(current); };
$("show-pending").onclick = () => { current = "pending"; refresh(current); };

(async () => {
  try { const s = await call("GET", "/api/v1/session"); csrf = s.csrfToken; $("who").textContent = `${s.operator} (${s.role})`; show(true); refresh(current); }
  catch { show(false); }
  setInterval(() => { if (!$("dashboard").hidden) refresh(current).catch(() => show(false)); }, 3000);
})();
