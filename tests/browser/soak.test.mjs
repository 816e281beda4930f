// Soak: each lab plays at top speed with random clicks (crash, restart, select, step back) while
// the wasm memory and the JS heap are sampled; after a warm-up neither may keep growing. The
// figures are printed (docs/perf.md keeps a copy). HA_SOAK_SECONDS sets the length per lab.
import assert from 'node:assert/strict';
import { browserTest, setRangeMax } from './lib.mjs';

const SECONDS = Number(process.env.HA_SOAK_SECONDS ?? 20);
const LABS = ['lab=raft', 'lab=lb&rate=500', 'lab=heartbeat&n=20', 'lab=ring'];

for (const query of LABS) {
  browserTest(`soak ${query}: memory stays flat at top speed with random clicks`, async ({ openPage }) => {
    const page = await openPage(query);
    const sample = () =>
      page.evaluate(() => ({
        wasm: window.haWasm?.memory?.buffer?.byteLength ?? 0,
        js: performance.memory?.usedJSHeapSize ?? 0,
      }));
    await setRangeMax(page, 'speed');
    await page.getByTestId('play').click();
    const samples = [];
    const nodes = await page.locator('[data-testid=stage] [data-node-id]').count();
    for (let s = 0; s < SECONDS; s += 1) {
      // A random click every second: select a node, step back, or play on.
      const r = (s * 7919) % 5;
      if (r === 0 && nodes > 0) await page.locator('[data-testid=stage] [data-node-id]').nth(s % nodes).click({ force: true }).catch(() => {});
      if (r === 1) await page.keyboard.press('Escape').catch(() => {});
      if (r === 2 && !(await page.getByTestId('play').getAttribute('aria-pressed')).includes('true')) await page.getByTestId('play').click();
      await page.waitForTimeout(1000);
      samples.push(await sample());
    }
    const warm = samples[Math.floor(samples.length / 4)];
    const last = samples.at(-1);
    const mb = (b) => (b / 1048576).toFixed(1);
    console.log(`# soak ${query}: wasm ${mb(warm.wasm)} → ${mb(last.wasm)} MB, JS heap ${mb(warm.js)} → ${mb(last.js)} MB over ${SECONDS} s`);
    assert.ok(last.wasm <= Math.max(warm.wasm * 1.2, warm.wasm + 2 * 1048576), `wasm memory grew ${mb(warm.wasm)} → ${mb(last.wasm)} MB`);
    assert.ok(last.js <= Math.max(warm.js * 1.5, warm.js + 16 * 1048576), `JS heap grew ${mb(warm.js)} → ${mb(last.js)} MB`);
  }, { timeout: (SECONDS + 60) * 1000 });
}
