// Accessibility audit (issue 14): axe-core (npm, the engine most audits use) on every page — the
// home page and each lab of the loader list in index.html — at 1280×720 and on a 360×740 phone,
// and in the dark theme (the system's prefers-color-scheme) at 1280×720.
// A serious or critical finding fails the test, listed with the rule, its help and where it is.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { APP_READY, ROOT, launchBrowser, startServer } from './lib.mjs';

const AXE = await readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const html = await readFile(join(ROOT, 'index.html'), 'utf8');
const LABS = JSON.parse(html.match(/const labs = (\[[^\]]*\])/)[1]);
// Presenter and embed modes (one lab each: the modes are the same style sheet on every lab).
// And in Chinese (lang=zh): the home page, a lab, and a lesson in presenter mode.
const PAGES = ['', ...LABS.map((l) => `lab=${l}`), 'lab=raft&present=1', 'lab=heartbeat&embed=1',
  'lang=zh', 'lab=lb&lang=zh', 'lab=raft&lesson=raft-election&step=2&lang=zh&present=1'];
const SIZES = [
  { name: '1280×720', viewport: { width: 1280, height: 720 } },
  { name: 'phone', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  { name: 'dark 1280×720', viewport: { width: 1280, height: 720 }, colorScheme: 'dark' },
];

let env;
async function shared() {
  env ??= Promise.all([startServer(), launchBrowser()]);
  return env;
}
after(async () => {
  if (!env) return;
  const [server, browser] = await env;
  await browser.close().catch(() => {});
  await server.close();
});

/** Serious and critical axe findings on the page at `query`, one line each. */
async function audit(query, size) {
  const [server, browser] = await shared();
  const ctx = await browser.newContext(size);
  try {
    const page = await ctx.newPage();
    await page.goto(`${server.origin}/?${query}`);
    await page.waitForSelector(APP_READY, { state: 'attached' }); // hidden in presenter and embed modes
    await page.addScriptTag({ content: AXE });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
        count: v.nodes.length,
      }));
    });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}) ×${v.count}: ${v.where.join(' | ')}`);
  } finally {
    await ctx.close();
  }
}

assert.ok(LABS.length >= 6, `the loader list in index.html: ${LABS}`);
for (const q of PAGES) {
  test(`axe finds nothing serious on ${q || 'the home page'} at 1280×720, on a phone and in the dark theme`, { timeout: 90_000 }, async () => {
    const found = [];
    for (const size of SIZES) {
      for (const line of await audit(q, size)) found.push(`${size.name}: ${line}`);
    }
    assert.deepEqual(found, [], `axe findings on ?${q}:\n${found.join('\n')}`);
  });
}
