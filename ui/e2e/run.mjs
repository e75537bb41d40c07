// Browser end-to-end test of the Capture Station operator UI, run against a
// running stationd (configs/sim.yaml: simulated devices and registry):
//
//   node ui/e2e/run.mjs --base http://127.0.0.1:PORT --user NAME --pin PIN --shots DIR
//
// It drives the system's Chromium (never a downloaded one) headless through
// playwright-core, saves a screenshot of every page and wizard step into
// --shots, and exits non-zero with a clear message on the first failure.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    base: { type: "string" },
    user: { type: "string" },
    pin: { type: "string" },
    shots: { type: "string", default: "e2e-shots" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
    identity: { type: "string", default: resolve(here, "../../internal/testdata/identities/testdata/sample-identity.json") },
    timeout: { type: "string", default: "60" },
    // The registry simulator's address, for fault injection (optional).
    registry: { type: "string" },
    // A supervisor account, for the exception that needs an approval.
    supervisor: { type: "string" },
    "supervisor-pin": { type: "string" },
    // The MRZ of the virtual ePassport of simulate.chip (configs/sim.yaml).
    mrz: { type: "string", default: "P<ITAROSSI<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<\nTI9GORMOL4ITA8608099F3404126QBKZLS<<<<<<<<12" },
  },
});
for (const k of ["base", "user", "pin"]) {
  if (!opt[k]) {
    console.error(`missing --${k}: run node ui/e2e/run.mjs --base http://127.0.0.1:PORT --user NAME --pin PIN --shots DIR`);
    process.exit(2);
  }
}
const base = opt.base.replace(/\/$/, "");
const waitMs = Number(opt.timeout) * 1000;

// The flags this machine needs: no sandbox as root, no GPU, and no
// background connections to Google (the network is closed).
const chromiumArgs = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let context, page, profile;
const problems = []; // uncaught errors, CSP violations, missing messages
let shot = 0;

async function screenshot(name) {
  shot++;
  const file = join(opt.shots, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Polls fn until it returns a truthy value or the timeout passes. */
async function eventually(what, fn, ms = waitMs, every = 500) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function visible(selector, what) {
  await page.locator(selector).first().waitFor({ state: "visible", timeout: waitMs }).catch(() => {
    throw new Error(`${what} did not appear (${selector})`);
  });
}

before(async () => {
  await mkdir(opt.shots, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), "station-e2e-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opt.chromium,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 900 },
    locale: "en-GB",
  }).catch((e) => {
    throw new Error(`cannot start Chromium at ${opt.chromium} (install Debian's chromium, or pass --chromium): ${e.message}`);
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(waitMs);
  page.on("pageerror", (e) => problems.push(`uncaught error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() === 404 || r.status() >= 500) problems.push(`${r.request().method()} ${new URL(r.url()).pathname} answered ${r.status()}`);
  });
  page.on("console", (m) => {
    // Failed loads are judged by the response listener (401s are expected).
    if (m.text().startsWith("Failed to load resource")) return;
    if (m.type() === "error" || (m.type() === "warning" && m.text().startsWith("missing message"))) problems.push(`console ${m.type()}: ${m.text()}`);
  });
});

after(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

test("operator UI", async (t) => {
  await t.test("the station answers", async () => {
    const r = await fetch(`${base}/healthz`).catch((e) => { throw new Error(`stationd is not reachable at ${base}: ${e.message}`); });
    assert.equal(r.status, 200, `GET /healthz answered ${r.status}`);
  });

  await t.test("login with the keyboard", async () => {
    await page.goto(`${base}/`);
    await visible("#page-login", "the login page");
    await page.waitForFunction(() => document.activeElement && document.activeElement.name === "name");
    assert.notEqual(await page.locator("#page-login h1").textContent(), "", "the login title is empty: the catalogue did not load");
    await screenshot("login");
    // Focus order: name, then PIN; Enter submits.
    await page.keyboard.type("nobody-" + Date.now());
    await page.keyboard.press("Tab");
    await page.keyboard.type("000000");
    await page.keyboard.press("Enter");
    await eventually("the wrong-PIN message", async () => (await page.locator("#login-error").textContent()).trim());
    await screenshot("login-error");
    await page.fill("#login-form [name=name]", opt.user);
    await page.fill("#login-form [name=secret]", opt.pin);
    await page.press("#login-form [name=secret]", "Enter");
    await visible("#page-dashboard", "the dashboard after logging in");
  });

  await t.test("dashboard: simulated devices and registry reachability", async () => {
    await page.waitForSelector("#page-dashboard[data-loaded=true]");
    const devices = await page.locator("#dash-devices tbody tr[data-device]").count();
    assert.ok(devices >= 1, "the dashboard lists no device; configs/sim.yaml attaches simulated fingerprint scanners");
    const kinds = await page.locator("#dash-devices tbody tr[data-device]").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
    assert.ok(kinds.includes("fingerprint"), `no simulated fingerprint scanner among ${kinds.join(", ")}`);
    // The registry simulator is reachable once the sync worker has talked to it.
    await eventually("every registry target to be reachable", async () => {
      const reach = await page.locator("#dash-targets tbody tr[data-target]").evaluateAll((rows) => rows.map((r) => r.dataset.reachable));
      if (reach.length && reach.every((r) => r === "true")) return true;
      await page.reload();
      await page.waitForSelector("#page-dashboard[data-loaded=true]");
      return false;
    }, waitMs, 2000);
    await eventually("the live connection", async () => (await page.getAttribute("#conn", "data-state")) === "online");
    await screenshot("dashboard");
  });

  let transactionId = "";
  let created = false;
  await t.test("queue: an imported enrollment reaches delivered", async () => {
    await page.click("#nav a[data-page=queue]");
    await page.waitForSelector("#page-queue[data-loaded]");
    await screenshot("queue-pending");
    const identity = await readFile(opt.identity, "utf8").catch((e) => { throw new Error(`cannot read the sample identity ${opt.identity}: ${e.message}`); });
    const res = await page.evaluate(async (body) => {
      const s = await (await fetch("/api/v1/session")).json();
      const r = await fetch("/api/v1/enrollments?format=osia-identity", {
        method: "POST", body, headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrfToken },
      });
      return { status: r.status, body: await r.text() };
    }, identity);
    assert.ok(res.status === 201 || res.status === 200, `importing the sample enrollment answered ${res.status}: ${res.body}`);
    transactionId = JSON.parse(res.body).transactionId;
    created = res.status === 201;
    assert.ok(transactionId, "the import returned no transaction ID");
    await eventually(`transaction ${transactionId} to be delivered`, async () => {
      await page.click("#queue-tabs button[data-state=delivered]");
      await page.waitForSelector("#page-queue[data-loaded=delivered]");
      const ids = await page.locator("#queue-table tbody tr[data-state=delivered] td:first-child").allTextContents();
      return ids.includes(transactionId);
    }, waitMs, 1000);
    await screenshot("queue-delivered");
    await page.click("#queue-tabs button[data-state=failed]");
    await page.waitForSelector("#page-queue[data-loaded=failed]");
    await screenshot("queue-failed");
  });

  await t.test("a failed item is shown with its reason and retried", async (tt) => {
    if (!opt.registry) {
      tt.skip("no --registry: the registry simulator's faults cannot be set");
      return;
    }
    const faults = async (body) => {
      const r = await fetch(`${opt.registry.replace(/\/$/, "")}/_sim/faults`, { method: "PUT", body, headers: { "Content-Type": "application/json" } });
      assert.ok(r.ok, `setting the registry simulator's faults answered ${r.status}`);
    };
    await faults(JSON.stringify({ failRate: 1, status: 422 }));
    const identity = await readFile(opt.identity, "utf8");
    const res = await page.evaluate(async (body) => {
      const s = await (await fetch("/api/v1/session")).json();
      const r = await fetch(`/api/v1/enrollments?format=osia-identity&personId=${crypto.randomUUID()}`, {
        method: "POST", body, headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrfToken },
      });
      return { status: r.status, body: await r.text() };
    }, identity);
    assert.equal(res.status, 201, `importing a second enrollment answered ${res.status}: ${res.body}`);
    const tx = JSON.parse(res.body).transactionId;
    await page.click("#nav a[data-page=queue]");
    const row = `#queue-table tbody tr[data-state=failed]:has(td:text-is("${tx}"))`;
    await eventually(`transaction ${tx} on the failed list`, async () => {
      await page.click("#queue-tabs button[data-state=failed]");
      await page.waitForSelector("#page-queue[data-loaded=failed]");
      return (await page.locator(row).count()) === 1;
    }, waitMs, 1000);
    await screenshot("queue-failed-item");
    await faults("{}");
    await page.click(`${row} button`);
    await eventually(`transaction ${tx} delivered after the retry`, async () => {
      await page.click("#queue-tabs button[data-state=delivered]");
      await page.waitForSelector("#page-queue[data-loaded=delivered]");
      return (await page.locator(`#queue-table tbody tr[data-state=delivered]:has(td:text-is("${tx}"))`).count()) === 1;
    }, waitMs, 1000);
    await screenshot("queue-retried");
  });

  await t.test("dashboard counts the delivery", async () => {
    await page.click("#nav a[data-page=dashboard]");
    const never = JSON.parse(await readFile(resolve(here, "../web/i18n/en.json"), "utf8"))["common.never"];
    await eventually("a delivered count and a last sync on the dashboard", async () => {
      await page.reload();
      await page.waitForSelector("#page-dashboard[data-loaded=true]");
      const n = await page.locator("#dash-queue .count[data-state=delivered] .n").textContent();
      const last = (await page.locator("#dash-last-sync").textContent()).trim();
      // A delivery made by this run of the station shows as the last sync
      // (an enrollment delivered by an earlier run does not).
      return Number(n.replace(/\D/g, "")) >= 1 && (!created || (last !== "" && last !== never));
    }, waitMs, 1000);
  });

  await t.test("technician page", async (tt) => {
    const role = await page.evaluate(async () => (await (await fetch("/api/v1/session")).json()).role);
    if (role === "operator") {
      tt.skip("the account is an operator; create it with --role technician to cover this page");
      return;
    }
    await page.click("#nav a[data-page=technician]");
    await page.waitForSelector("#page-technician[data-loaded=true]");
    const checks = await page.locator("#tech-health tbody tr").count();
    assert.ok(checks >= 1, "the technician page shows no health check");
    await eventually("recent events or the note explaining their absence", async () =>
      (await page.locator("#tech-events li").count()) > 0 || (await page.locator("#tech-events-note").isVisible()));
    await screenshot("technician");
  });

  await t.test("wizard opens at its first step; every step renders", async () => {
    await page.click("#nav a[data-page=wizard]");
    await visible("#page-wizard", "the enrollment wizard");
    assert.equal(await page.getAttribute("#page-wizard", "data-step"), "biographic", "the wizard did not open at the biographic step");
    const steps = await page.locator("#wiz-steps li").evaluateAll((li) => li.map((x) => x.dataset.step));
    assert.deepEqual(steps, ["biographic", "document", "face", "fingers", "review", "confirm"]);
    assert.equal(await page.getAttribute("#wiz-steps li[data-step=biographic] button", "aria-current"), "step");
    await screenshot("wizard-1-biographic");
    // The wizard speaks the protocol: Start gets a reply or a clear error.
    await page.click("#wiz-start");
    await eventually("an answer to enrollment.start", async () => {
      const kind = await page.getAttribute("#wiz-message", "data-kind");
      return kind === "ok" || kind === "error";
    });
    await screenshot("wizard-1-start-answer");
    for (const [i, step] of steps.entries()) {
      if (i === 0) continue;
      await page.click(`#wiz-steps li[data-step=${step}] button`);
      assert.equal(await page.getAttribute("#page-wizard", "data-step"), step);
      await visible(`#page-wizard .step[data-step=${step}]`, `the ${step} step`);
      await screenshot(`wizard-${i + 1}-${step}`);
    }
    // Escape closes the cancel dialog.
    await page.click("#wiz-cancel");
    await visible("#confirm-dialog", "the cancel confirmation");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#confirm-dialog").isVisible(), false, "Escape did not close the dialog");
  });

  await t.test("a complete enrollment through the wizard, with the simulated devices", async () => {
    const complete = (step) => page.getAttribute(`#wiz-steps li[data-step=${step}]`, "data-complete").then((v) => v === "true");
    await page.click("#wiz-steps li[data-step=document] button");
    // Typed (or keyboard-wedge) MRZ text, then the document camera's reading.
    await page.fill("#wiz-mrz textarea[name=text]", opt.mrz);
    await page.click("#wiz-mrz button[type=submit]");
    await eventually("the MRZ to fill the form", async () => (await page.locator("#wiz-mrz-result dd").count()) > 0);
    await eventually("a document camera frame on the canvas", async () => Number((await page.getAttribute("#wiz-doc-canvas", "data-seq")) || 0) > 0);
    await page.evaluate(() => { document.getElementById("wiz-mrz-result").textContent = ""; });
    await page.click("#wiz-mrz-camera");
    await eventually("the MRZ read on the document camera", async () =>
      (await page.getAttribute("#wiz-doc-overlay", "data-state")) === "ok" && (await page.locator("#wiz-mrz-result dd .badge[data-state=ok]").count()) > 0);
    await screenshot("enroll-document-camera");
    await page.click("#wiz-chip");
    await eventually("the chip read with passive authentication passed", async () =>
      (await page.getAttribute("#wiz-pa", "data-state")) === "ok" && complete("document"));
    await page.click("#wiz-steps li[data-step=document] button"); // the wizard moved on
    await visible("#wiz-portrait", "the chip's portrait");
    await screenshot("enroll-document");
    await page.click("#wiz-steps li[data-step=face] button");
    await page.click("#wiz-preview");
    await eventually("a preview frame on the canvas", async () => Number((await page.getAttribute("#wiz-canvas", "data-seq")) || 0) > 0);
    await screenshot("enroll-face-preview");
    await page.click("#wiz-face");
    await eventually("the face captured and judged live", () => complete("face"));
    await page.click("#wiz-steps li[data-step=fingers] button");
    const fingers = await page.locator("#wiz-fingers tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.finger));
    for (const [i, f] of fingers.entries()) {
      const rowSel = `#wiz-fingers tr[data-finger="${f}"]`;
      if (i === fingers.length - 1 && opt.supervisor) {
        // The last finger is missing: a supervisor approves on this screen.
        await page.click(`${rowSel} button[data-i18n="finger.missing"]`);
        await visible("#confirm-dialog", "the missing-finger confirmation");
        await page.click('#confirm-dialog button[value=yes]');
        await visible("#approval-dialog", "the supervisor approval");
        await page.fill("#approval-form input[name=supervisor]", opt.supervisor);
        await page.fill("#approval-form input[name=secret]", opt["supervisor-pin"]);
        await screenshot("enroll-supervisor-approval");
        await page.click('#approval-dialog button[value=yes]');
        await eventually(`finger ${f} recorded as missing`, async () => (await page.getAttribute(rowSel, "data-state")) === "missing");
        continue;
      }
      await page.click(`${rowSel} button[data-i18n="finger.capture"]`);
      await eventually(`finger ${f} captured`, async () =>
        ["captured", "accepted"].includes(await page.getAttribute(rowSel, "data-state")));
      if (i === fingers.length - 2) await screenshot("enroll-fingers"); // before the wizard moves on
    }
    await eventually("the fingerprint step complete", () => complete("fingers"));
    assert.ok(await page.locator("#wiz-fingers img.print[src]:not([hidden])").count() >= fingers.length - 1, "the captured prints are not shown");
    await screenshot("enroll-review");
    await page.click("#wiz-steps li[data-step=confirm] button");
    await page.click("#wiz-confirm");
    await visible("#wiz-confirmed", "the confirmation");
    await screenshot("enroll-confirmed");
    await page.click("#nav a[data-page=queue]");
    await eventually("the wizard's enrollment delivered", async () => {
      await page.click("#queue-tabs button[data-state=delivered]");
      await page.waitForSelector("#page-queue[data-loaded=delivered]");
      return (await page.locator("#queue-table tbody tr[data-state=delivered]").count()) >= 2;
    }, waitMs, 1000);
    await screenshot("enroll-delivered");
  });

  await t.test("French catalogue", async () => {
    const [en, fr] = await Promise.all(["en", "fr"].map(async (l) => JSON.parse(await readFile(resolve(here, `../web/i18n/${l}.json`), "utf8"))));
    await page.selectOption("#lang", "fr");
    await page.click("#nav a[data-page=dashboard]");
    await page.waitForSelector("#page-dashboard[data-loaded=true]");
    await eventually("the page in French", async () => (await page.locator("#page-dashboard h1").textContent()) === fr["dash.title"]);
    const text = await page.evaluate(() => document.body.innerText);
    const english = Object.entries(en).filter(([k, v]) => v !== fr[k] && v.length >= 10 && v.includes(" ") && !v.includes("{")).map(([, v]) => v);
    const left = english.filter((v) => text.includes(v));
    assert.deepEqual(left, [], "English text left on the French page");
    await screenshot("dashboard-fr");
    await page.click("#nav a[data-page=wizard]");
    await screenshot("wizard-fr");
    await page.selectOption("#lang", "en");
  });

  await t.test("logout", async () => {
    await page.click("#logout");
    await visible("#page-login", "the login page after logging out");
    const r = await page.evaluate(async () => (await fetch("/api/v1/status")).status);
    assert.equal(r, 401, "the session still works after logging out");
  });

  await t.test("no errors in the page", () => {
    assert.deepEqual(problems, [], "the browser reported problems");
  });
});
