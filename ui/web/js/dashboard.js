// The dashboard: devices, registry targets, queue counts, last sync, health;
// live-updated from websocket events.
import { t, tv } from "./i18n.js";
import { $, h, fill, debounce } from "./dom.js";
import { fetchStatus, reachBadge, lastSync, levelBadge, count, badge } from "./status.js";

/** The health level of a device kind ("devices/<kind>"), or "ok". */
export function deviceLevel(st, kind) {
  const c = (st.health || []).find((x) => x.component === `devices/${kind}`);
  return c ? c.level : "ok";
}

/** Returns the dashboard page. */
export function dashboardPage(app) {
  let visible = false;
  let failures = 0;

  async function refresh() {
    if (!visible) return;
    let st;
    try {
      st = await fetchStatus();
      failures = 0;
    } catch (e) {
      if (e.status === 401) { app.loggedOut(); return; }
      failures++;
      return;
    }
    const page = $("page-dashboard");
    page.dataset.loaded = "true";
    fill($("dash-station"),
      h("dt", { text: t("dash.station-id") }), h("dd", { text: st.stationId }),
      h("dt", { text: t("dash.version") }), h("dd", { text: st.version || "" }),
      h("dt", { text: t("dash.enrollments") }),
      h("dd", {}, st.acceptingEnrollments ? badge("ok", t("dash.accepting")) : badge("critical", t("dash.refusing"))),
      h("dt", { text: t("dash.last-sync") }), h("dd", { id: "dash-last-sync", text: lastSync(st) }),
    );
    const q = st.queue || {};
    fill($("dash-queue"),
      count(t("queue.state.pending"), q.pending || 0, "pending"),
      count(t("queue.state.inflight"), q.inFlight || 0, "inflight"),
      count(t("queue.state.failed"), q.failed || 0, q.failed ? "critical" : "ok"),
      count(t("queue.state.delivered"), q.delivered || 0, "delivered"),
    );
    const devices = st.devices || [];
    fill($("dash-devices").tBodies[0], devices.length
      ? devices.map((d) => h("tr", { dataset: { device: d.id, kind: d.kind } },
        h("td", { text: tv("device.kind", d.kind) }),
        h("td", { text: [d.vendor, d.model].filter(Boolean).join(" ") }),
        h("td", { class: "mono", text: d.id }),
        h("td", {}, levelBadge(deviceLevel(st, d.kind)))))
      : h("tr", {}, h("td", { colspan: 4, class: "muted", text: t("dash.no-devices") })));
    const targets = st.targets && st.targets.length ? st.targets : [st.registry];
    fill($("dash-targets").tBodies[0], targets.filter(Boolean).map((r) => h("tr", { dataset: { target: r.name, reachable: String(!!r.reachable) } },
      h("td", { text: r.name }),
      h("td", { text: r.kind }),
      h("td", {}, reachBadge(r)),
      h("td", { text: lastSync({ targets: [r.lastSync || !st.registry || st.registry.name !== r.name ? r : st.registry] }) }))));
    const bad = (st.health || []).filter((c) => c.level !== "ok");
    fill($("dash-health"), bad.length
      ? bad.map((c) => h("li", {}, levelBadge(c.level), " ", h("strong", { text: c.component }), " ", h("span", { text: c.message || "" })))
      : h("li", {}, badge("ok", t("level.ok")), " ", h("span", { text: t("dash.all-healthy") })));
  }

  const soon = debounce(refresh, 200);
  app.station.addEventListener("event", (ev) => {
    if (["health", "sync", "device", "enrollment"].includes(ev.detail.type)) soon();
  });
  app.station.addEventListener("resync", soon);
  // Without the websocket, poll.
  setInterval(() => { if (visible && app.station.state !== "online") refresh(); }, 10000);

  return {
    show() { visible = true; refresh(); },
    hide() { visible = false; },
    refresh,
  };
}
