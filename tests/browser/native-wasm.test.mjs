// Native = wasm: every preset opened in the page (the engine compiled to wasm) shows the same
// events, at the same step and time, as `cli run --events` (the native engine) of the same link.
// This is where determinism would break first (libm, float formatting, hash iteration), so every
// preset of every lab with an event log is checked. Build the CLI first (scripts/test.sh runs
// `cargo test --workspace`, which does).
import assert from 'node:assert/strict';
import { browserTest, cli, pageLines } from './lib.mjs';

/** Every preset link with its lab, from the CLI (`id  query`). */
function presetLinks() {
  return cli('presets')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    // A preset that opens at time 0 is compared 3 s in.
    .map(([id, query]) => ({ id, query: /[?&](t|step)=/.test(`&${query}`) ? query : `${query}&t=3000`, lab: new URLSearchParams(query).get('lab') }));
}

browserTest('every preset replays in the page (wasm) exactly as in the CLI (native)', async ({ openPage }) => {
  const presets = presetLinks().filter((p) => p.lab !== 'ring'); // the ring page has no event log
  assert.ok(presets.length >= 20, `presets: ${presets.length}`);
  for (const p of presets) {
    const page = await openPage(p.query);
    if (p.lab === 'cluster') {
      // The cluster page's log lists only the ticks where something was decided (from the trace
      // tail it keeps); compare the event count instead: the last event of `cli run --events 1`.
      const last = cli('run', p.query, '--events', '1').trim();
      const steps = Number((await page.getByTestId('step-count').innerText()).replace(/\D+/g, ''));
      assert.equal(steps, Number(last.split('\t')[0]), `${p.id}: same event count in the page (wasm) and cli run (native)`);
      continue;
    }
    const shown = await pageLines(page);
    assert.ok(shown.length > 0, `${p.id}: the page shows events`);
    const native = cli('run', p.query, '--events', String(shown.length)).trimEnd().split('\n');
    assert.deepEqual(shown, native, `${p.id}: the page (wasm) and cli run (native) differ for ${p.query}`);
    const steps = Number((await page.getByTestId('step-count').innerText()).replace(/\D+/g, ''));
    assert.equal(steps, Number(native.at(-1).split('\t')[0]), `${p.id}: same event count`);
  }
}, { timeout: 300_000 });
