// The technician page: health checks, device diagnostics, registry targets
// and recent station events. Events carry identifiers and states only, never
// personal data, so this page shows no one's identity.
import { t, tv, when } from "./i18n.js";
import { $, h, fill, debounce } from "./dom.js";
import { fetchStatus, reachBadge, levelBadge } from "./status.js";

const maxEvents = 200;

/** A one-line summary of an event's data: its keys and scalar values. */
export function summarize(data) {
  if (data === null || data === undefined) return "";
  if (typeof data !== "object") return String(data);
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && v !== "" && typeof v !== "object")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** Returns the technician page. */
export function technicianPage(app) {
  let visible = false;
  const list = $("tech-events");

  function eventItem(ev) {
    // ev is a bus event ({id,time,kind,type,data}) or a websocket event message.
    const kind = ev.kind || ev.type;
    const name = ev.kind ? ev.type : ev.event;
    return h("li", { dataset: { id: ev.id, kind } },
      h("span", { class: "time", text: when(ev.time) }), " ",
      h("span", { class: "badge", dataset: { state: kind }, text: tv("event.kind", kind) }), " ",
      h("span", { class: "mono", text: name }), " ",
      h("span", { class: "muted mono", text: summarize(ev.data) }));
  }

  async function refresh() {
    if (!visible) return;
    let st;
    try { st = await fetchStatus(); } catch (e) { if (e.status === 401) app.loggedOut(); return; }
    fill($("tech-health").tBodies[0], (st.health || []).map((c) => h("tr", { dataset: { component: c.component, level: c.level } },
      h("td", { class: "mono", text: c.component }), h("td", {}, levelBadge(c.level)),
      h("td", { text: c.message || "" }), h("td", { text: when(c.since) }))));
    fill($("tech-devices").tBodies[0], (st.devices || []).length
      ? st.devices.map((d) => h("tr", {},
        h("td", { text: tv("device.kind", d.kind) }), h("td", { class: "mono", text: d.driver }),
        h("td", { text: [d.vendor, d.model].filter(Boolean).join(" ") }),
        h("td", { class: "mono", text: d.path }), h("td", { class: "mono", text: d.serial || "" })))
      : h("tr", {}, h("td", { colspan: 5, class: "muted", text: t("dash.no-devices") })));
    const targets = st.targets && st.targets.length ? st.targets : [st.registry];
    fill($("tech-targets").tBodies[0], targets.filter(Boolean).map((r) => h("tr", {},
      h("td", { text: r.name }), h("td", { class: "mono", text: r.url }),
      h("td", {}, reachBadge(r)), h("td", { text: r.lastError || "" }))));
    await loadEvents();
    $("page-technician").dataset.loaded = "true";
  }

  async function loadEvents() {
    const note = $("tech-events-note");
    try {
      const r = await app.station.command("recent-events", { limit: maxEvents });
      note.hidden = true;
      fill(list, (r.events || []).slice().reverse().map(eventItem));
      if (!list.children.length) { note.hidden = false; note.textContent = t("tech.events.none"); }
    } catch (e) {
      note.hidden = false;
      note.textContent = e.code === "forbidden" ? t("tech.events.forbidden") : t("tech.events.offline");
    }
  }

  const soon = debounce(refresh, 300);
  app.station.addEventListener("event", (ev) => {
    if (!visible) return;
    list.prepend(eventItem(ev.detail));
    while (list.children.length > maxEvents) list.lastChild.remove();
    if (ev.detail.type === "health" || ev.detail.type === "device") soon();
  });
  app.station.addEventListener("resync", soon);
  app.station.addEventListener("state", (ev) => { if (ev.detail === "online") soon(); });

  return {
    show() { visible = true; refresh(); },
    hide() { visible = false; },
  };
}
