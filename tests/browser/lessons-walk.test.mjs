// Every built-in lesson (one or more per lab, issue 14's "a lesson of each lab"), walked by keyboard
// to its last step and back to its first: each step shows exactly the state its own step link opens
// at (time, event count, every node's role/status/term), including steps that hand over to another
// page (a replication section's own bundle).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, browserTest, simMs, waitUntil } from './lib.mjs';

const DIR = join(ROOT, 'engine/src/lesson/builtin');

async function state(page) {
  return JSON.stringify({
    ms: await simMs(page),
    events: await page.getByTestId('step-count').textContent(),
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

for (const id of ids) {
  browserTest(`lesson ${id} walks forward and back by keyboard, each step at its link`, async ({ openPage, newSession }) => {
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
    const page = await openPage(`lesson=${id}&step=1`);
    await atStep(page, 1, n, expected[0], id);
    for (let i = 2; i <= n; i++) {
      await page.locator('body').click({ position: { x: 2, y: 2 } });
      await page.keyboard.press('n');
      await atStep(page, i, n, expected[i - 1], id);
    }
    for (let i = n - 1; i >= 1; i--) {
      await page.locator('body').click({ position: { x: 2, y: 2 } });
      await page.keyboard.press('p');
      await atStep(page, i, n, expected[i - 1], id);
    }
  }, { timeout: 180_000 });
}
