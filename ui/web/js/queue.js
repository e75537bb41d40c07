// The queue view: pending, in flight, failed (with reason and retry), delivered.
import { t, tv, when, num } from "./i18n.js";
import { $, h, fill, debounce } from "./dom.js";
import { call } from "./api.js";
import { badge } from "./status.js";

/** Returns the queue page. */
export function queuePage(app) {
  let visible = false;
  let state = "pending";
  let next = "";
  const tabs = $("queue-tabs");

  for (const b of tabs.querySelectorAll("button")) {
    b.addEventListener("click", () => { state = b.dataset.state; refresh(); });
  }
  $("queue-more").addEventListener("click", () => refresh(true));

  function row(it) {
    let action = null;
    if (it.state === "failed") {
      action = h("button", { type: "button", class: "small", text: t("queue.retry"), on: { click: () => retry(it, action) } });
    }
    const reason = [it.errorClass ? tv("queue.class", it.errorClass) : "", it.error || ""].filter(Boolean).join(": ");
    return h("tr", { dataset: { id: it.id, state: it.state } },
      h("td", { class: "mono", text: it.transactionId }),
      h("td", { text: it.target }),
      h("td", {}, badge(it.state, tv("queue.state", it.state))),
      h("td", { text: num(it.attempts || 0) }),
      h("td", { text: when(it.enqueuedAt) }),
      h("td", { class: "reason", text: reason }),
      h("td", {}, action));
  }

  async function retry(it, button) {
    button.disabled = true;
    try {
      await call("POST", `/api/v1/queue/${encodeURIComponent(it.id)}/retry`);
      refresh();
    } catch (e) {
      button.disabled = false;
      button.textContent = t("queue.retry-failed");
    }
  }

  async function refresh(more = false) {
    if (!visible) return;
    for (const b of tabs.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.state === state));
    const params = new URLSearchParams({ state, limit: "100" });
    if (more && next) params.set("after", next);
    let list;
    try {
      list = await call("GET", `/api/v1/queue?${params}`);
    } catch (e) {
      if (e.status === 401) app.loggedOut();
      return;
    }
    const body = $("queue-table").tBodies[0];
    const rows = (list.items || []).map(row);
    if (more) body.append(...rows); else fill(body, rows);
    next = list.next || "";
    $("queue-more").hidden = !next;
    $("queue-empty").hidden = body.rows.length > 0;
    $("page-queue").dataset.loaded = state || "all";
  }

  const soon = debounce(() => refresh(), 300);
  app.station.addEventListener("event", (ev) => { if (["sync", "enrollment"].includes(ev.detail.type)) soon(); });
  app.station.addEventListener("resync", soon);
  setInterval(() => { if (visible && app.station.state !== "online") refresh(); }, 10000);

  return {
    show() {
      visible = true;
      const want = new URLSearchParams(location.hash.split("?")[1] || "").get("state");
      if (want !== null) state = want;
      refresh();
    },
    hide() { visible = false; },
  };
}
