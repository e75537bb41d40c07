// Shared rendering of /api/v1/status for the dashboard and the technician page.
import { t, tv, when, num } from "./i18n.js";
import { h } from "./dom.js";
import { call } from "./api.js";

/** Fetches the station status. */
export function fetchStatus() { return call("GET", "/api/v1/status"); }

/** The badge of a level or a yes/no state. */
export function badge(state, text) { return h("span", { class: "badge", dataset: { state }, text }); }

/** The reachability badge of a registry target. */
export function reachBadge(target) {
  return target.reachable ? badge("ok", t("target.reachable")) : badge("critical", t("target.unreachable"));
}

/** The most recent delivery over all targets, formatted, or a dash. */
export function lastSync(st) {
  const times = [st.registry, ...(st.targets || [])].map((r) => r && r.lastSync).filter((x) => x && !x.startsWith("0001-"));
  times.sort();
  return times.length ? when(times[times.length - 1]) : t("common.never");
}

/** Health level badge. */
export function levelBadge(level) { return badge(level, tv("level", level)); }

/** A count with its label. */
export function count(label, n, state) {
  return h("div", { class: "count", dataset: { state } }, h("span", { class: "n", text: num(n) }), h("span", { class: "l", text: label }));
}
