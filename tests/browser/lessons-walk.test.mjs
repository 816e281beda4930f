// Every built-in lesson (one or more per lab, issue 14's "a lesson of each lab"), walked to its last
// step and back to its first — by keyboard in English, by keyboard in Chinese presenter mode, and by
// its buttons in Chinese on a 360 px phone: each step shows exactly the state its own step link
// opens at (time, event count, every node's role/status/term), including steps that hand over to
// another page (a replication section's own bundle).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, browserTest, simMs, waitUntil } from './lib.mjs';

const DIR = join(ROOT, 'engine/src/lesson/builtin');

async function state(page) {
  return JSON.stringify({
    ms: await simMs(page),
    events: (await page.getByTestId('step-count').textContent()).replace(/\D/g, ''), // any language
    nodes: await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=stage] [data-node-id]')].map((el) =>
        [el.getAttribute('data-node-id'), el.getAttribute('data-role'), el.getAttribute('data-status'), el.getAttribute('data-term')].join(':'),
      ),
    ),
  });
}

/** Waits until the lesson shows step `i` of `n` at the expected state. */
async function atStep(page, i, n, want, id) {
  await waitUntil(
    async () =>
      (await page.getByTestId('lesson-step').textContent().catch(() => '')) === `${i} / ${n}` &&
      (await state(page).catch(() => '')) === want,
    { timeout: 30_000, message: `${id} step ${i} / ${n} at its link's state ${want}` },
  );
}

const ids = (await readdir(DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
assert.ok(ids.length >= 8, `lessons found: ${ids}`);

const VARIANTS = [
  { name: 'by keyboard', view: '', keys: true },
  { name: 'in Chinese presenter mode by keyboard', view: '&lang=zh&present=1', keys: true },
  { name: 'in Chinese on a phone by its buttons', view: '&lang=zh', keys: false, phone: true },
];

// One lesson per lab (the first of its prefix) is also walked in Chinese, presenter mode and on a
// phone; every lesson in English.
const firstOfLab = new Set(ids.filter((id, k) => k === 0 || id.split('-')[0] !== ids[k - 1].split('-')[0]));

for (const id of ids) {
  const variants = firstOfLab.has(id) ? VARIANTS : VARIANTS.slice(0, 1);
  browserTest(`lesson ${id} walks forward and back, each step at its link (${variants.map((v) => v.name).join('; ')})`, async ({ openPage, newSession }) => {
    const lesson = JSON.parse(await readFile(join(DIR, `${id}.json`), 'utf8'));
    const n = lesson.steps.length;
    // Each step's state from its own step link, opened alone.
    const other = await newSession();
    const expected = [];
    for (let i = 1; i <= n; i++) {
      const p = await other.openPage(`lesson=${id}&step=${i}`);
      await waitUntil(async () => (await p.getByTestId('lesson-step').textContent()) === `${i} / ${n}`, {
        timeout: 30_000,
        message: `${id} step link ${i}`,
      });
      expected.push(await state(p));
    }
    for (const v of variants) {
      const s = await newSession();
      if (v.phone) {
        s.page ??= await s.context.newPage();
        await s.page.setViewportSize({ width: 360, height: 740 });
      }
      const page = await s.openPage(`lesson=${id}&step=1${v.view}`);
      const tag = `${id} ${v.name}`;
      if (v.view.includes('lang=zh')) {
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', tag);
      }
      const go = async (key, button) => {
        if (v.keys) {
          await page.locator('body').click({ position: { x: 2, y: 2 } });
          await page.keyboard.press(key);
        } else {
          await page.getByTestId(button).click();
        }
      };
      await atStep(page, 1, n, expected[0], tag);
      for (let i = 2; i <= n; i++) {
        await go('n', 'lesson-next');
        await atStep(page, i, n, expected[i - 1], tag);
      }
      for (let i = n - 1; i >= 1; i--) {
        await go('p', 'lesson-back');
        await atStep(page, i, n, expected[i - 1], tag);
      }
    }
  }, { timeout: 300_000 });
}
