// Each page's own style sheet (css/<page>.css, cut from static/style.css at build time by
// scripts/page-css.mjs): the page links its own sheet, and no rule left out of a page's sheet
// matches anything on that page — checked on every preset of every lab at its position, on each
// lab's own link in the dark theme, presenter mode and on a phone with a node's actions open,
// and on the home page. A rule wrongly left out would leave something unstyled; this is the
// test that fails then.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { leftOut, pageNames } from '../../scripts/page-css.mjs';
import { ROOT, browserTest, pageAt } from './lib.mjs';

const CLI = join(ROOT, 'target', 'debug', 'cli');
const presets = () =>
  (existsSync(CLI)
    ? execFileSync(CLI, ['presets'], { encoding: 'utf8' })
    : execFileSync('cargo', ['run', '-q', '-p', 'cli', '--', 'presets'], { cwd: ROOT, encoding: 'utf8' })
  )
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[1]);

const pages = pageNames(ROOT);
const out = leftOut(ROOT, readFileSync(join(ROOT, 'static', 'style.css'), 'utf8'), pages);
// Dynamic states a page cannot be put in by a link are taken off the selector (a rule for
// `.x:hover` is left out exactly when `.x` is).
const DYNAMIC = /::?(hover|focus-visible|focus-within|focus|active|visited|before|after|placeholder|marker|selection|-webkit-[a-z-]+)\b/g;
const selectors = Object.fromEntries(
  pages.map((p) => [p, out[p].flatMap((r) => r.selectors.map((s) => s.replace(DYNAMIC, '')))]),
);

/** The left-out selectors of the page's sheet that match something on `page`. */
async function wronglyLeftOut(page, query) {
  const lab = new URLSearchParams(query).get('lab');
  const name = pages.includes(lab) ? lab : 'home';
  const sheet = await page.evaluate(() => document.querySelector('link[rel=stylesheet][href*="css/"]')?.getAttribute('href'));
  assert.equal(sheet, `./css/${name}.css`, `${query}: the page links its own sheet`);
  return page.evaluate(
    (sels) =>
      sels.filter((s) => {
        try {
          return document.querySelector(s) !== null;
        } catch {
          return true; // a selector the check cannot read is reported, not skipped
        }
      }),
    selectors[name],
  );
}

browserTest(
  'no rule left out of a page’s own style sheet matches anything on it (every preset, themes, modes, phone)',
  async ({ openPage, session }) => {
    assert.ok(selectors.system.length > 50, `the system page leaves out ${selectors.system.length} selectors`);
    const links = [...presets(), ...pages.slice(1).flatMap((lab) => [`lab=${lab}&theme=dark`, `lab=${lab}&present=1`]), ''];
    assert.ok(links.length > 40, `links: ${links.length}`);
    for (const query of links) {
      const page = await openPage(query);
      assert.deepEqual(await wronglyLeftOut(page, query), [], `${query}: rules left out of its sheet match`);
    }
    // A phone, with a node's actions open in the sheet next to it.
    for (const lab of pages.slice(1)) {
      const { page, close } = await pageAt(session, 'phone', `lab=${lab}`);
      const node = page.locator('[data-node-id]').first();
      if (await node.count()) await node.click({ force: true, timeout: 2_000 }).catch(() => {});
      assert.deepEqual(await wronglyLeftOut(page, `lab=${lab}`), [], `lab=${lab} on a phone: rules left out of its sheet match`);
      await close();
    }
  },
  { timeout: 300_000 },
);
