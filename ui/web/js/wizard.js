// The enrollment wizard: biographic → document → face → fingers → review →
// confirm. It talks only through the websocket commands and events of
// docs/ui-protocol.md ("enrollment.*" commands, "capture" and "enrollment"
// events, binary preview frames).
import { t, tv, num } from "./i18n.js";
import { $, h, fill } from "./dom.js";
import { fetchStatus, badge } from "./status.js";

/** The wizard's steps, in order. */
export const steps = ["biographic", "document", "face", "fingers", "review", "confirm"];

/** The finger positions, right thumb to left little finger (OSIA names). */
export const fingers = ["RIGHT_THUMB", "RIGHT_INDEX", "RIGHT_MIDDLE", "RIGHT_RING", "RIGHT_LITTLE",
  "LEFT_THUMB", "LEFT_INDEX", "LEFT_MIDDLE", "LEFT_RING", "LEFT_LITTLE"];

/** Extracts a workflow Status from a reply (a Status, or {status: Status}). */
export function statusOf(reply) {
  if (!reply || typeof reply !== "object") return null;
  if (reply.steps && reply.id) return reply;
  if (reply.status && reply.status.id) return reply.status;
  return null;
}

/** Returns the wizard page. */
export function wizardPage(app) {
  const w = {
    step: 0,
    id: "",
    status: null,
    busy: false,
    drawing: false,
    pendingFrame: null,
    docCamera: "", // the camera that films documents: the document camera, else the face camera
  };
  // Preview frames go to the canvas of the step on screen.
  const canvases = { face: $("wiz-canvas"), document: $("wiz-doc-canvas") };

  // Step list: buttons, so they are reachable by keyboard and touch.
  fill($("wiz-steps"), steps.map((s, i) => h("li", { dataset: { step: s } },
    h("button", { type: "button", class: "step-button", on: { click: () => go(i) } },
      h("span", { class: "n", text: num(i + 1) }), h("span", { class: "name", dataset: { i18n: `wiz.step.${s}` } })))));

  // Finger rows with quality bars.
  fill($("wiz-fingers").tBodies[0], fingers.map((f) => h("tr", { dataset: { finger: f } },
    h("td", {}, h("span", { dataset: { i18n: `finger.${f}` } }), h("img", { class: "print", hidden: true, dataset: { i18nAttr: "alt:finger.image" } })),
    h("td", {}, h("div", { class: "bar", role: "meter", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, h("div", { class: "fill" })),
      h("span", { class: "score" })),
    h("td", { class: "state" }),
    h("td", { class: "row-actions" },
      h("button", { type: "button", class: "small", dataset: { i18n: "finger.capture" }, on: { click: () => captureFinger(f) } }),
      h("button", { type: "button", class: "small", dataset: { i18n: "finger.missing" }, on: { click: () => missingFinger(f) } })))));

  function say(key, vars, kind = "info") {
    const m = $("wiz-message");
    m.textContent = key ? t(key, vars) : "";
    m.dataset.kind = kind;
  }

  function sayError(e) {
    const known = ["unknown-command", "forbidden", "bad-request", "unavailable", "busy", "disconnected", "timeout", "unauthenticated", "failed"];
    const code = known.includes(e.code) ? e.code : "failed";
    const m = $("wiz-message");
    m.textContent = e.message && code !== "unknown-command" ? `${t(`error.${code}`)} ${e.message}` : t(`error.${code}`);
    m.dataset.kind = "error";
    m.dataset.code = e.code || "";
  }

  /** Sends a workflow command; applies the Status it returns. */
  async function send(type, data = {}, progress) {
    if (w.busy) return null;
    w.busy = true;
    if (progress) $(progress).hidden = false;
    say("wiz.working");
    try {
      const reply = await app.station.command(type, { id: w.id || undefined, ...data });
      const st = statusOf(reply);
      if (st) apply(st);
      say("wiz.done", {}, "ok");
      return reply;
    } catch (e) {
      sayError(e);
      return null;
    } finally {
      w.busy = false;
      if (progress) $(progress).hidden = true;
    }
  }

  function apply(st) {
    w.status = st;
    w.id = st.id;
    $("wiz-enrollment").textContent = t("wiz.enrollment", { id: st.id, stage: tv("wiz.stage", st.stage) });
    for (const li of $("wiz-steps").children) {
      const s = (st.steps || []).find((x) => x.step === li.dataset.step);
      li.dataset.complete = s && s.complete ? "true" : "false";
    }
    const at = steps.indexOf(st.stage);
    if (at >= 0 && at > w.step) go(at);
    if (st.document) showChip(st.document);
    for (const f of st.fingers || []) showFinger(f.position, f.score, f.state);
    fill($("wiz-review"), (st.steps || []).map((s) => h("li", { dataset: { complete: String(!!s.complete) } },
      badge(s.complete ? "ok" : (s.required ? "warning" : "none"), s.complete ? t("review.complete") : t("review.incomplete")),
      " ", h("span", { text: tv("wiz.step", s.step) }))),
    (st.missing || []).map((m) => h("li", { class: "missing", text: m })));
  }

  function go(i) {
    w.step = Math.max(0, Math.min(steps.length - 1, i));
    const name = steps[w.step];
    for (const el of document.querySelectorAll("#page-wizard .step")) el.hidden = el.dataset.step !== name;
    for (const li of $("wiz-steps").children) {
      const b = li.querySelector("button");
      if (li.dataset.step === name) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
    }
    $("page-wizard").dataset.step = name;
    $("wiz-prev").disabled = w.step === 0;
    $("wiz-next").disabled = w.step === steps.length - 1;
    if (name === "face") startPreview($("wiz-camera").value);
    else if (name === "document") startPreview(w.docCamera);
    else stopPreview();
  }

  // Biographic.
  $("wiz-bio").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const bio = {};
    for (const [k, v] of f.entries()) if (String(v).trim()) bio[k] = String(v).trim();
    if (bio.nationality) bio.nationality = bio.nationality.toUpperCase();
    if (await send("enrollment.biographic", { biographic: bio })) go(1);
  });

  // Document: MRZ and chip.
  $("wiz-mrz").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = new FormData(ev.target).get("text");
    const r = await send("enrollment.mrz", { text });
    if (r) showMRZ(r);
  });
  $("wiz-mrz").elements.text.addEventListener("keydown", (ev) => {
    // A keyboard-wedge MRZ scanner ends with Enter; Ctrl+Enter submits too.
    if (ev.key === "Enter" && ev.ctrlKey) { ev.preventDefault(); ev.target.form.requestSubmit(); }
  });
  $("wiz-mrz-camera").addEventListener("click", async () => {
    showDocFrame({ advice: "no_mrz" });
    const r = await send("enrollment.mrz-camera", {});
    if (r) showMRZ(r);
  });
  $("wiz-chip").addEventListener("click", () => {
    $("wiz-chip-progress").querySelector(".label").textContent = t("doc.chip-reading");
    send("enrollment.chip", {}, "wiz-chip-progress");
  });

  function showMRZ(r) {
    const rows = [];
    const doc = (statusOf(r) || {}).document || {};
    rows.push(h("dt", { text: t("doc.format") }), h("dd", { text: doc.format || (r.mrz && r.mrz.format) || "" }));
    rows.push(h("dt", { text: t("doc.check-digits") }), h("dd", {}, doc.mrzValid ? badge("ok", t("doc.valid")) : badge("critical", t("doc.invalid"))));
    if (r.filled && r.filled.length) rows.push(h("dt", { text: t("doc.filled") }), h("dd", { text: r.filled.map((k) => tv("bio", k)).join(", ") }));
    if (r.conflicts && r.conflicts.length) rows.push(h("dt", { text: t("doc.conflicts") }), h("dd", { class: "error", text: r.conflicts.map((k) => tv("bio", k)).join(", ") }));
    fill($("wiz-mrz-result"), rows);
  }

  function showChip(d) {
    const pa = $("wiz-pa");
    const state = d.passive ? (d.passive === "passed" ? "ok" : d.passive === "not-checked" ? "warning" : "critical") : "none";
    pa.dataset.state = state;
    pa.textContent = d.passive ? t(state === "ok" ? "doc.pa-valid" : "doc.pa-invalid") : t("doc.pa-none");
    const rows = [];
    if (d.access) rows.push(h("dt", { text: t("doc.access") }), h("dd", { class: "mono", text: d.access }));
    if (d.passive) rows.push(h("dt", { text: t("doc.passive") }), h("dd", { text: tv("doc.passive", d.passive) }));
    if (d.genuine !== undefined && d.genuine !== null && (d.chipRead || d.access)) {
      rows.push(h("dt", { text: t("doc.genuine") }), h("dd", {}, d.genuine ? badge("ok", t("common.yes")) : badge("critical", t("common.no"))));
    }
    fill($("wiz-chip-result"), rows);
  }

  // showImage puts one of the enrollment's images (the chip portrait, the
  // captured face, a print) into an <img>.
  async function showImage(what, img) {
    if (!w.id || !img) return;
    try {
      const r = await app.station.command("enrollment.image", { id: w.id, what });
      if (r && r.data) { img.src = `data:${r.type};base64,${r.data}`; img.hidden = false; }
    } catch { /* not there yet */ }
  }

  function showDocFrame(d) {
    const o = $("wiz-doc-overlay");
    o.dataset.state = d.pass ? "ok" : (d.advice === "no_mrz" ? "warning" : "critical");
    o.querySelector(".verdict").textContent = tv("doc.frame", d.advice || d.outcome);
    o.querySelector(".score").textContent = d.score ? t("doc.confidence", { score: num(d.score) }) : "";
  }

  // Cameras: the face step's choice, and the document camera.
  async function cameras() {
    const sel = $("wiz-camera");
    let devs = [];
    try { devs = (await fetchStatus()).devices || []; } catch { /* none */ }
    const faceCams = devs.filter((d) => d.kind === "camera");
    fill(sel, faceCams.length ? faceCams.map((d) => h("option", { value: d.id, text: d.model || d.id }))
      : h("option", { value: "", text: t("face.no-camera") }));
    const doc = devs.find((d) => d.kind === "document-camera") || faceCams[0];
    w.docCamera = doc ? doc.id : "";
    $("wiz-doc-preview").hidden = !w.docCamera;
    if (steps[w.step] === "document") startPreview(w.docCamera);
  }

  async function startPreview(dev) {
    if (!dev) return;
    try {
      await app.station.subscribePreview(dev);
      if (steps[w.step] === "face") $("wiz-overlay").dataset.state = "waiting";
    } catch (e) { sayError(e); }
  }

  function stopPreview() { if (app.station.preview) app.station.unsubscribePreview().catch(() => {}); }

  $("wiz-preview").addEventListener("click", () => startPreview($("wiz-camera").value));
  $("wiz-face").addEventListener("click", () => send("enrollment.face", { device: $("wiz-camera").value }));

  app.station.addEventListener("frame", (ev) => {
    w.pendingFrame = ev.detail; // newest wins
    if (!w.drawing) draw();
  });

  async function draw() {
    w.drawing = true;
    while (w.pendingFrame) {
      const f = w.pendingFrame;
      w.pendingFrame = null;
      const canvas = canvases[steps[w.step]];
      if (!canvas) continue;
      try {
        const bmp = await createImageBitmap(new Blob([f.jpeg], { type: "image/jpeg" }));
        if (canvas.width !== bmp.width || canvas.height !== bmp.height) { canvas.width = bmp.width; canvas.height = bmp.height; }
        canvas.getContext("2d").drawImage(bmp, 0, 0);
        bmp.close();
        canvas.dataset.seq = String(f.seq);
      } catch { /* a broken frame: skip it */ }
    }
    w.drawing = false;
  }

  function showFaceFrame(d) {
    const o = $("wiz-overlay");
    o.dataset.state = d.pass ? "ok" : "critical";
    o.querySelector(".verdict").textContent = d.pass ? t("face.good") : t("face.bad");
    o.querySelector(".score").textContent = t("face.score", { score: num(d.score || 0), run: num(d.run || 0), need: num(d.need || 0) });
    o.querySelector(".advice").textContent = d.advice ? tv("advice", d.advice) : "";
  }

  // Fingers.
  function showFinger(pos, score, state) {
    const row = $("wiz-fingers").querySelector(`tr[data-finger="${pos}"]`);
    if (!row) return;
    if (typeof score === "number") {
      const bar = row.querySelector(".bar");
      bar.setAttribute("aria-valuenow", String(score));
      bar.dataset.level = score >= 60 ? "ok" : score >= 35 ? "warning" : "critical";
      bar.querySelector(".fill").style.width = `${Math.max(0, Math.min(100, score))}%`;
      row.querySelector(".score").textContent = num(score);
    }
    if (state) {
      const cell = row.querySelector(".state");
      cell.textContent = tv("finger.state", state);
      row.dataset.state = state;
    }
  }

  function captureFinger(f) { send("enrollment.finger", { position: f }); }
  async function missingFinger(f) {
    if (!(await app.confirm(t("finger.missing-confirm", { finger: t(`finger.${f}`) })))) return;
    // The policy may want a supervisor for exceptions: ask on this screen.
    const approval = await app.approve(t("approval.missing-finger", { finger: t(`finger.${f}`) }));
    if (approval) send("enrollment.finger-missing", { position: f, reason: "amputated", approval });
  }

  // Review and confirm.
  $("wiz-review-refresh").addEventListener("click", () => send("enrollment.review"));
  $("wiz-confirm").addEventListener("click", async () => {
    const r = await send("enrollment.confirm", {}, "wiz-sync-progress");
    if (r) {
      const p = $("wiz-confirmed");
      p.hidden = false;
      p.textContent = t("confirm.done", { transaction: r.transactionId || w.id });
    }
  });
  $("wiz-cancel").addEventListener("click", async () => {
    if (await app.confirm(t("confirm.cancel-question"))) {
      if (await send("enrollment.cancel")) reset();
    }
  });

  $("wiz-start").addEventListener("click", () => send("enrollment.start"));
  $("wiz-prev").addEventListener("click", () => go(w.step - 1));
  $("wiz-next").addEventListener("click", () => go(w.step + 1));

  function reset() {
    w.id = "";
    w.status = null;
    $("wiz-enrollment").textContent = t("wiz.none");
    for (const li of $("wiz-steps").children) li.dataset.complete = "false";
    for (const f of fingers) showFinger(f, 0, "pending");
    showChip({});
    fill($("wiz-mrz-result"));
    $("wiz-doc-overlay").dataset.state = "none";
    $("wiz-confirmed").hidden = true;
    go(0);
  }

  // Events of the current enrollment.
  app.station.addEventListener("event", (ev) => {
    const m = ev.detail;
    const d = m.data || {};
    if (w.id && d.id && d.id !== w.id) return;
    if (m.type === "capture") {
      switch (m.event) {
        case "chip.step":
          $("wiz-chip-progress").hidden = false;
          $("wiz-chip-progress").querySelector(".label").textContent = t("doc.chip-step", { step: tv("chip.stage", d.stage) });
          break;
        case "chip.result":
          showChip({ ...d, chipRead: true });
          showImage("portrait", $("wiz-portrait"));
          break;
        case "document.frame":
        case "document.result":
          showDocFrame(d);
          break;
        case "face.frame":
          showFaceFrame(d);
          break;
        case "face.result":
          showFaceFrame({ ...d, run: d.run || 0 });
          showImage("face", $("wiz-face-captured"));
          break;
        case "finger.stage":
          showFinger(d.step, undefined, d.stage);
          break;
        case "finger.result":
          showFinger(d.step, d.score, d.pass ? "captured" : "low_quality");
          showImage(d.step, $("wiz-fingers").querySelector(`tr[data-finger="${d.step}"] img.print`));
          break;
      }
    } else if (m.type === "enrollment" && w.id && d.id === w.id && d.stage) {
      // Reload the status quietly: the operator's message stays.
      app.station.command("enrollment.status", { id: w.id }).then((r) => { const st = statusOf(r); if (st) apply(st); }).catch(() => {});
    }
  });

  // Interrupted enrollments (a crash, a power cut, a closed page) wait as
  // drafts: list them so the operator can take one up again.
  async function drafts() {
    let list = [];
    try { list = (await app.station.command("enrollment.drafts", {})) || []; } catch { /* none */ }
    list = list.filter((d) => d.id !== w.id);
    $("wiz-drafts").hidden = list.length === 0;
    fill($("wiz-drafts-list"), list.map((d) => h("li", {},
      h("span", { text: t("drafts.item", { id: d.id, stage: tv("wiz.stage", d.stage), operator: d.operator }) }), " ",
      h("button", { type: "button", class: "small", dataset: { draft: d.id }, text: t("drafts.resume"), on: { click: () => resume(d.id) } }))));
  }
  async function resume(id) {
    w.id = id;
    const r = await send("enrollment.resume", {});
    if (r) { $("wiz-drafts").hidden = true; drafts(); } else { w.id = ""; }
  }

  let first = true;
  return {
    show() {
      if (first) { reset(); first = false; } else go(w.step);
      cameras();
      drafts();
      say("");
    },
    hide() { stopPreview(); },
  };
}
