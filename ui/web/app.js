// Capture Station operator UI: the shell, the router and the session.
// Plain ES modules, no build step; every text comes from i18n/<lang>.json.
import { t, load, preferred, apply } from "./js/i18n.js";
import { $ } from "./js/dom.js";
import * as api from "./js/api.js";
import { Station } from "./js/socket.js";
import { loginPage } from "./js/login.js";
import { dashboardPage } from "./js/dashboard.js";
import { queuePage } from "./js/queue.js";
import { technicianPage } from "./js/technician.js";
import { wizardPage } from "./js/wizard.js";

const ranks = { operator: 1, supervisor: 2, technician: 3 };

const app = {
  session: null,
  station: new Station(),
  /** Whether the operator's role ranks at least min. */
  allows(min) { return this.session && (ranks[this.session.role] || 0) >= (ranks[min] || 99); },
  /** Asks a yes/no question in a modal dialog (Escape answers no). */
  confirm(text) {
    const d = $("confirm-dialog");
    $("confirm-dialog-text").textContent = text;
    return new Promise((resolve) => {
      d.addEventListener("close", () => resolve(d.returnValue === "yes"), { once: true });
      d.returnValue = "no";
      d.showModal();
    });
  },
  // approve asks a supervisor to authenticate on this screen; it resolves
  // to {supervisor, secret}, or null when cancelled. The credentials go
  // with the one command and are never kept.
  approve(text) {
    const d = $("approval-dialog");
    const f = $("approval-form");
    $("approval-text").textContent = text;
    f.reset();
    return new Promise((resolve) => {
      d.addEventListener("close", () => {
        const ok = d.returnValue === "yes";
        const v = { supervisor: f.elements.supervisor.value.trim(), secret: f.elements.secret.value };
        f.reset();
        resolve(ok && v.supervisor && v.secret ? v : null);
      }, { once: true });
      d.returnValue = "no";
      d.showModal();
    });
  },
  loggedIn(s) {
    this.session = s;
    $("who").textContent = t("app.who", { operator: s.operator, role: t(`role.${s.role}`) });
    $("nav").hidden = false;
    $("logout").hidden = false;
    for (const a of document.querySelectorAll("#nav [data-min-role]")) a.hidden = !this.allows(a.dataset.minRole);
    this.station.start();
    if (!location.hash || location.hash === "#/login") location.hash = "#/dashboard";
    else route();
  },
  loggedOut() {
    this.session = null;
    this.station.stop();
    sessionStorage.removeItem("station.lastEventId");
    $("who").textContent = "";
    $("nav").hidden = true;
    $("logout").hidden = true;
    if (location.hash !== "#/login") location.hash = "#/login";
    else route();
  },
};

const pages = {
  login: loginPage(app),
  dashboard: dashboardPage(app),
  queue: queuePage(app),
  technician: technicianPage(app),
  wizard: wizardPage(app),
};
let shown = null;

function route() {
  let name = (location.hash.match(/^#\/([\w-]+)/) || [])[1] || "dashboard";
  if (!pages[name]) name = "dashboard";
  if (!app.session) name = "login";
  if (name === "technician" && !app.allows("supervisor")) name = "dashboard";
  if (shown && shown !== name) pages[shown].hide?.();
  for (const el of document.querySelectorAll("main > .page")) el.hidden = el.id !== `page-${name}`;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.page === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  document.title = `${t(`nav.${name}`)} · ${t("app.title")}`;
  const changed = shown !== name;
  shown = name;
  document.body.dataset.page = name;
  pages[name].show();
  if (changed) $(`page-${name}`).querySelector("h1")?.focus();
}

function showConnection(state) {
  const el = $("conn");
  el.dataset.state = state;
  el.textContent = t(`conn.${state}`);
}

async function boot() {
  await load(preferred());
  $("lang").value = document.documentElement.lang;
  $("lang").addEventListener("change", async (ev) => {
    await load(ev.target.value);
    if (app.session) $("who").textContent = t("app.who", { operator: app.session.operator, role: t(`role.${app.session.role}`) });
    showConnection(app.station.state);
    apply(document);
    route();
  });
  $("logout").addEventListener("click", async () => {
    await api.logout().catch(() => {});
    app.loggedOut();
  });
  app.station.addEventListener("state", (ev) => showConnection(ev.detail));
  app.station.addEventListener("session-ended", () => app.loggedOut());
  showConnection("offline");
  window.addEventListener("hashchange", route);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && document.activeElement && document.activeElement !== document.body && !$("confirm-dialog").open) {
      document.activeElement.blur();
    }
  });
  $("page-loading").hidden = true;
  const s = await api.session().catch(() => null);
  if (s) app.loggedIn(s); else app.loggedOut();
}

boot().catch((e) => {
  console.error(e);
  document.body.dataset.error = "boot";
});
