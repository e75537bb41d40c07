// Message catalogue: every text the operator reads comes from i18n/<lang>.json.
// Elements carry data-i18n="key" (their text) and data-i18n-attr="attr:key;attr:key".

const supported = ["en", "fr"];
let catalogue = {};
let current = "en";

/** The language in use ("en" or "fr"). */
export function lang() { return current; }

/** The languages shipped. */
export function languages() { return supported.slice(); }

/** Picks the stored language, else the browser's, else English. */
export function preferred() {
  const stored = localStorage.getItem("station.lang");
  if (supported.includes(stored)) return stored;
  for (const l of navigator.languages || []) {
    const base = l.slice(0, 2).toLowerCase();
    if (supported.includes(base)) return base;
  }
  return "en";
}

/** Loads a catalogue and translates the document. */
export async function load(l) {
  if (!supported.includes(l)) l = "en";
  const r = await fetch(`i18n/${l}.json`, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`catalogue ${l}: ${r.status}`);
  catalogue = await r.json();
  current = l;
  localStorage.setItem("station.lang", l);
  document.documentElement.lang = l;
  apply(document);
}

/** Translates key, replacing {name} with vars.name. A missing key shows as itself. */
export function t(key, vars) {
  let s = catalogue[key];
  if (s === undefined) { console.warn("missing message", key); s = key; }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

/** Whether the catalogue has key (for values such as states that may be new). */
export function has(key) { return Object.prototype.hasOwnProperty.call(catalogue, key); }

/** Translates a value with a fallback to the raw value, e.g. a state name the catalogue does not know yet. */
export function tv(prefix, value) { const k = `${prefix}.${value}`; return has(k) ? t(k) : String(value ?? ""); }

/** Translates the data-i18n elements under root. */
export function apply(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Formats a date and time for the operator's language; empty for a missing value. */
export function when(iso) {
  if (!iso || iso.startsWith("0001-")) return "";
  const d = new Date(iso);
  if (isNaN(d)) return "";
  return new Intl.DateTimeFormat(current, { dateStyle: "short", timeStyle: "medium" }).format(d);
}

/** Formats a number for the operator's language. */
export function num(n) { return new Intl.NumberFormat(current).format(n); }
