// Small DOM helpers. Text always arrives already translated (t()) or as data.

/** Returns the element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * Creates an element. props: class, text (translated text or data), on
 * ({event: handler}), dataset, and any attribute; children: nodes or strings of data.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c);
  return el;
}

/** Replaces the children of el. */
export function fill(el, ...children) { el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false)); }

/** Returns a function that runs fn at most once per delay, after the last call. */
export function debounce(fn, delay) {
  let timer = 0;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), delay); };
}
