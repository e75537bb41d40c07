// The login page: name and PIN or password.
import { t } from "./i18n.js";
import { $ } from "./dom.js";
import * as api from "./api.js";

/** Returns the login page. */
export function loginPage(app) {
  const form = $("login-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const err = $("login-error");
    err.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const s = await api.login(String(f.get("name")).trim(), String(f.get("secret")));
      form.reset();
      app.loggedIn(s);
    } catch (e) {
      err.textContent = t(`login.error.${["bad_credentials", "locked", "network"].includes(e.code) ? e.code : "other"}`);
      form.elements.secret.select();
    } finally {
      button.disabled = false;
    }
  });
  return {
    show() { $("login-error").textContent = ""; setTimeout(() => form.elements.name.focus(), 0); },
  };
}
