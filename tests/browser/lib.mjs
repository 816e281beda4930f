// Shared harness for the browser tests (and tests/perf): a static server for dist/ on 127.0.0.1,
// headless Chromium through playwright-core, one fresh browser context per test, and small
// polling helpers. Build first: `trunk build --release` (scripts/test.sh does it).
//
//   import { browserTest, waitUntil } from './lib.mjs';
//   browserTest('does a thing', async ({ openPage }) => {
//     const page = await openPage('lab=heartbeat');
//     ...
//   });
//
// A test fails on any uncaught page error (including a Rust panic) and on any dialog
// (alert/confirm/prompt): the app never opens one.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DIST = resolve(process.env.HA_DIST ?? join(ROOT, 'dist'));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Marker the app renders once it is mounted. */
export const APP_READY = '[data-testid=app-ready]';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves `root` (default dist/) on 127.0.0.1 at `port` (default: an ephemeral one). `/` and unknown extension-less
 * paths get index.html. Resolves to { port, origin, close() }.
 */
export async function startServer(root = DIST, port = 0) {
  try {
    await stat(join(root, 'index.html'));
  } catch {
    throw new Error(`${join(root, 'index.html')} is missing: run \`trunk build --release\` first`);
  }
  // Long share links are legal: allow request lines far above Node's 16 KB default.
  const server = createServer({ maxHeaderSize: 1 << 20 }, async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info && extname(file) === '') {
        file = join(root, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const bound = server.address().port;
  return {
    port: bound,
    origin: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

/** Launches headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

// One server and one browser per test file, started on first use.
let shared = null;
function sharedEnv() {
  shared ??= (async () => {
    const server = await startServer();
    const browser = await launchBrowser();
    return { server, browser };
  })();
  return shared;
}

/** Closes the shared browser and server (registered with `after` by the first browserTest). */
export async function teardown() {
  if (!shared) return;
  const pending = shared;
  shared = null;
  const { server, browser } = await pending.catch(() => ({}));
  await browser?.close().catch(() => {});
  await server?.close();
}

/**
 * A fresh browser context with error collection. `openPage(query)` opens `/?query` (or an absolute
 * URL such as a share link) and waits until the app is mounted.
 */
export class Session {
  constructor(context, origin) {
    this.context = context;
    this.origin = origin;
    this.pageErrors = [];
    this.consoleErrors = [];
    this.dialogs = [];
    this.page = null;
    context.on('page', (page) => this.#watch(page));
  }

  static async create() {
    const { server, browser } = await sharedEnv();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Best effort: copy-link may use the clipboard; the test reads [data-testid=share-url] instead.
    await context
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin })
      .catch(() => {});
    return new Session(context, server.origin);
  }

  #watch(page) {
    page.on('pageerror', (err) => this.pageErrors.push(err.stack ?? String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.consoleErrors.push(msg.text());
    });
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
  }

  /** Opens `/?query` (leading '?' optional) or an absolute URL; waits for the app-ready marker
  *  and for the link's position (`settle: false` returns while a heavy link is still replaying). */
  async openPage(query = '', { timeout = 15_000, settle = true } = {}) {
    this.page ??= await this.context.newPage();
    const url = /^https?:/.test(query) ? query : `${this.origin}/?${query.replace(/^\?/, '')}`;
    await this.page.goto(url, { waitUntil: 'load', timeout });
    await this.page.locator(APP_READY).first().waitFor({ state: 'attached', timeout });
    // A heavy link replays over several frames (with a progress bar): wait for the position,
    // unless the test watches the replay itself.
    if (settle) await this.page.getByTestId('progress').waitFor({ state: 'detached', timeout: 60_000 });
    return this.page;
  }

  /** Uncaught page errors, Rust panics (logged via console.error) and dialogs, as text. */
  problems() {
    const panics = this.consoleErrors.filter((m) => /panicked at/.test(m));
    return [
      ...this.pageErrors.map((e) => `page error: ${e}`),
      ...panics.map((m) => `rust panic: ${m}`),
      ...this.dialogs.map((d) => `unexpected dialog: ${d}`),
    ];
  }

  async close() {
    await this.context.close().catch(() => {});
  }
}

/**
 * Registers a node:test test that gets a fresh context: fn({ page, openPage, session, newSession }, t).
 * `newSession()` gives another fresh context (e.g. to open a share link), also checked and closed.
 */
export function browserTest(name, fn, { timeout = 60_000 } = {}) {
  if (!browserTest.registered) {
    browserTest.registered = true;
    after(teardown);
  }
  test(name, { timeout }, async (t) => {
    const sessions = [];
    const newSession = async () => {
      const s = await Session.create();
      sessions.push(s);
      return s;
    };
    const session = await newSession();
    try {
      await fn(
        {
          session,
          newSession,
          openPage: (query, opts) => session.openPage(query, opts),
          get page() {
            return session.page;
          },
        },
        t,
      );
      const problems = sessions.flatMap((s) => s.problems());
      assert.deepEqual(problems, [], 'the page reported uncaught errors, panics or dialogs');
    } catch (err) {
      await screenshot(name, sessions);
      const errs = sessions.flatMap((s) => [...s.problems(), ...s.consoleErrors.map((m) => `console: ${m}`)]);
      if (errs.length) err.message += `\n--- browser output ---\n${[...new Set(errs)].join('\n')}`;
      throw err;
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });
}

async function screenshot(name, sessions) {
  const dir = join(ROOT, 'test-results');
  await mkdir(dir, { recursive: true }).catch(() => {});
  const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80);
  await Promise.all(
    sessions.map((s, i) =>
      s.page?.screenshot({ path: join(dir, `${slug}-${i}.png`), fullPage: true }).catch(() => {}),
    ),
  );
}

/**
 * Polls `fn` (sync or async) until it returns a truthy value, which is returned. Throws after
 * `timeout` ms with `message` and the last value or error seen.
 */
export async function waitUntil(fn, { timeout = 5_000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The screens a class sees: a 1280×720 projector, the same at 150 % zoom (853×480 CSS px), a
 *  360×740 phone. */
export const SIZES = {
  projector: { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 },
  zoom150: { viewport: { width: 853, height: 480 }, deviceScaleFactor: 1.5 },
  phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

/** A page of `/?query` at `size` (a key of SIZES, or context options) in a fresh context of the
 *  session's browser, its page errors counted as the session's; waits for the stage, drawn at its
 *  measured scale ([`stageSettled`]). */
export async function pageAt(session, size, query) {
  const ctx = await session.context.browser().newContext(typeof size === 'string' ? SIZES[size] : size);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => session.pageErrors.push(String(e)));
  await page.goto(`${session.origin}/?${query}`);
  await page.locator(APP_READY).first().waitFor({ state: 'attached' });
  await page.getByTestId('stage').waitFor();
  await stageSettled(page);
  return { page, close: () => ctx.close() };
}

/**
 * Waits until the stage is drawn at its measured scale: the page measures the picture after the
 * first paint and draws the stage again with it (boxes sized for presenter mode's larger text, for
 * instance), so a test reading sizes at once can catch the first drawing. Returns after three
 * frames without a change to the stage (at most about a second on a stage that keeps moving).
 */
export async function stageSettled(page) {
  await page.evaluate(async () => {
    const stage = document.querySelector('[data-testid=stage]');
    if (!stage) return;
    let changes = 0;
    const seen = new MutationObserver(() => changes++);
    seen.observe(stage, { subtree: true, attributes: true, childList: true, characterData: true });
    const turn = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    for (let quiet = 0, i = 0; quiet < 3 && i < 60; i++) {
      const before = changes;
      await turn();
      quiet = changes === before ? quiet + 1 : 0;
    }
    seen.disconnect();
  });
}

// ---- Readers for the UI contract (see tests/browser/heartbeat.test.mjs) ----

/** `data-ms` of [data-testid=sim-time] as a number. */
export async function simMs(page) {
  const v = await page.getByTestId('sim-time').getAttribute('data-ms');
  const n = Number(v);
  assert.ok(v !== null && Number.isFinite(n), `sim-time data-ms is not a number: ${v}`);
  return n;
}

/**
 * Whether the page redraws moving things in place: marks each element matching `selector` with
 * its identity (`identity(el)`, run in the page), runs `act`, and returns how many identities
 * drawn both before and after are drawn by the very element that drew them before (`kept`), out
 * of how many (`both`). A list diffed by position instead of by key hands each element the next
 * one's thing, so `kept` falls well below `both`.
 */
export async function drawnInPlace(page, selector, identity, act) {
  const before = await page.evaluate(({ selector, identity }) => {
    const id = new Function('el', `return (${identity})(el)`);
    const ids = [];
    for (const el of document.querySelectorAll(selector)) {
      el.__drew = id(el);
      ids.push(el.__drew);
    }
    return ids;
  }, { selector, identity });
  await act();
  return page.evaluate(({ selector, identity, before }) => {
    const id = new Function('el', `return (${identity})(el)`);
    const was = new Set(before);
    let both = 0;
    let kept = 0;
    for (const el of document.querySelectorAll(selector)) {
      const now = id(el);
      if (!was.has(now)) continue;
      both += 1;
      if (el.__drew === now) kept += 1;
    }
    return { both, kept };
  }, { selector, identity, before });
}

/** Events a long replay has gone through so far, as its progress bar says (0 without one). */
export async function replayedEvents(page) {
  const bar = page.getByTestId('progress');
  if ((await bar.count()) === 0) return 0;
  return Number((/([0-9]+) events/.exec(await bar.innerText()) ?? [0, 0])[1]);
}

/**
 * Counts what the page writes to the DOM from now on: `setAttribute` calls (`attrs`), text node
 * values set (`texts`) and elements created (`created`), in `window.__writes` (reset it to count
 * from a later point). Wraps the prototypes' methods, so install it once per page.
 */
export async function countDomWrites(page) {
  await page.evaluate(() => {
    const n = { attrs: 0, texts: 0, created: 0 };
    window.__writes = n;
    const setAttribute = Element.prototype.setAttribute;
    Element.prototype.setAttribute = function (...a) { window.__writes.attrs++; return setAttribute.apply(this, a); };
    const nodeValue = Object.getOwnPropertyDescriptor(Node.prototype, 'nodeValue');
    Object.defineProperty(Node.prototype, 'nodeValue', { set(v) { window.__writes.texts++; nodeValue.set.call(this, v); }, get() { return nodeValue.get.call(this); } });
    for (const make of ['createElement', 'createElementNS']) {
      const f = Document.prototype[make];
      Document.prototype[make] = function (...a) { window.__writes.created++; return f.apply(this, a); };
    }
  });
}

/** The event log: its line count and newest line ({ step, text } or null; the line with the
 *  highest data-step, wherever the log puts it). */
export async function eventLog(page) {
  return page.getByTestId('event-log').evaluate((log) => {
    const lines = [...log.querySelectorAll('[data-testid=event]')];
    const newest = lines.reduce(
      (best, el) => (!best || Number(el.getAttribute('data-step')) > Number(best.getAttribute('data-step')) ? el : best),
      null,
    );
    return {
      count: lines.length,
      last: newest ? { step: Number(newest.getAttribute('data-step')), text: newest.textContent.trim() } : null,
    };
  });
}

/** `{ id: status }` of every element with data-node-id. */
export async function nodeStatuses(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-node-id]')].map((el) => [
        el.getAttribute('data-node-id'),
        el.getAttribute('data-status'),
      ]),
    ),
  );
}

/** aria-pressed of the play button, as a boolean. */
export async function isPlaying(page) {
  return (await page.getByTestId('play').getAttribute('aria-pressed')) === 'true';
}

/** Picks a preset from the presets menu (opens the menu first). */
export async function choosePreset(page, id) {
  const menu = page.getByTestId('presets');
  if ((await menu.getAttribute('open')) === null) await menu.locator('summary').click();
  await page.getByTestId(`preset-${id}`).click();
}

/** Sets a range input (`data-testid`) to `value` as a user dragging it would (an `input` event). */
export async function setRange(page, testid, value) {
  await page.getByTestId(testid).evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** Sets a range input to its maximum. */
export async function setRangeMax(page, testid) {
  const max = await page.getByTestId(testid).getAttribute('max');
  await setRange(page, testid, max);
}

let cliBuilt = false;
/** `cli ARGS…` (the native engine): built (or found up to date) by cargo once per test file, so
 * a stale target/debug/cli is never compared, then run directly. */
export function cli(...args) {
  if (!cliBuilt) {
    execFileSync('cargo', ['build', '-q', '-p', 'cli'], { cwd: ROOT, stdio: 'inherit' });
    cliBuilt = true;
  }
  return execFileSync(join(ROOT, 'target', 'debug', 'cli'), args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** The page's event log as `STEP<tab>LINE`, oldest first (the engine's trace line format). */
export function pageLines(page) {
  return page.getByTestId('event-log').evaluate((log) =>
    [...log.querySelectorAll('[data-testid=event]')]
      .map((li) => {
        const headline = [...li.childNodes]
          .filter((n) => !(n.nodeType === 1 && (n.classList.contains('step') || n.classList.contains('note'))))
          .map((n) => n.textContent)
          .join('')
          .trim();
        const notes = [...li.querySelectorAll('.note')].map((n) => ` · ${n.textContent}`).join('');
        return `${li.getAttribute('data-step')}\t${headline}${notes}`;
      })
      .reverse(),
  );
}
