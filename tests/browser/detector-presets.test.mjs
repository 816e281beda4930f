// Every heartbeat and SWIM preset (issue 16), chosen from the Presets menu as a user would, then
// shared at a later position (its own link with t= moved on, as "Copy link" after playing gives):
// what its lesson says is what the page's measurements show.

import assert from 'node:assert/strict';
import { browserTest, choosePreset, waitUntil } from './lib.mjs';

const num = async (page, id, attr = 'data-value') => Number(await page.getByTestId(id).getAttribute(attr));
const text = (page, id) => page.getByTestId(id).innerText();

const OUTCOMES = [
  ['heartbeat', 'hb-crash', 3000, async (p) => {
    assert.ok((await num(p, 'metric-detect-fixed')) > 250, 'the crash is detected after the suspect timeout');
    assert.equal(await text(p, 'metric-failovers'), '0');
  }],
  ['heartbeat', 'hb-failover', 3000, async (p) => {
    assert.equal(await text(p, 'metric-failovers'), '1');
    assert.match(await text(p, 'metric-primary'), /node 2 \(epoch 2\)/);
  }],
  ['heartbeat', 'hb-lossy', 20000, async (p) => {
    const fixed = await num(p, 'metric-false-fixed');
    const phi = await num(p, 'metric-false-phi');
    assert.ok(fixed > 5 * Math.max(phi, 1), `fixed ${fixed} false suspicions against φ ${phi}`);
  }],
  ['heartbeat', 'hb-jitter', 20000, async (p) => {
    assert.ok((await num(p, 'metric-false-fixed')) > 0, 'the fixed timeout suspects live workers');
    assert.equal(await num(p, 'metric-false-phi'), 0, 'φ adapts to the jitter');
  }],
  ['heartbeat', 'hb-split-brain', 2500, async (p) => {
    assert.ok((await num(p, 'metric-split-brain')) > 500, 'two live primaries for a while');
  }],
  ['heartbeat', 'hb-phi-outage', 12000, async (p) => {
    assert.ok((await num(p, 'metric-detect-phi')) < 1000, 'the outage interval is not learned: fast detection');
  }],
  ['heartbeat', 'hb-phi-outage-learned', 15000, async (p) => {
    assert.ok((await num(p, 'metric-detect-phi')) > 3000, 'the learned outage slows φ down by seconds');
  }],
  ['swim', 'swim-crash', 5000, async (p) => {
    const det = await num(p, 'metric-detection');
    assert.ok(det > 0 && (await num(p, 'metric-dissemination')) >= det);
    assert.equal(await num(p, 'metric-false-positives'), 0);
  }],
  ['swim', 'swim-slow', 15000, async (p) => {
    assert.ok((await num(p, 'metric-false-positives', 'data-healthy')) > 0, 'healthy members declared dead');
  }],
  ['swim', 'swim-slow-lifeguard', 15000, async (p) => {
    assert.equal(await num(p, 'metric-false-positives', 'data-healthy'), 0, 'Lifeguard: no healthy member declared dead');
  }],
  ['swim', 'swim-partition', 7000, async (p) => {
    assert.ok((await num(p, 'metric-false-positives')) > 0, 'each side declares the other dead');
  }],
  ['swim', 'swim-loss', 20000, async (p) => {
    const suspicions = await num(p, 'metric-false-suspicions');
    const deaths = await num(p, 'metric-false-positives');
    assert.ok(suspicions > 50 && deaths < suspicions / 20, `${suspicions} suspicions refuted, ${deaths} false deaths`);
  }],
  ['swim', 'swim-large', 6000, async (p) => {
    assert.ok((await num(p, 'metric-dissemination')) > 0, 'every survivor of 100 has the crash');
    assert.equal(await num(p, 'metric-false-positives'), 0);
  }],
];

for (const lab of ['heartbeat', 'swim']) {
  browserTest(`every ${lab} preset shows what its lesson says`, async ({ openPage }) => {
    const page = await openPage(`lab=${lab}`);
    for (const [, id, t, check] of OUTCOMES.filter(([l]) => l === lab)) {
      await choosePreset(page, id);
      await page.getByTestId('preset-lesson').waitFor();
      const later = new URL(page.url());
      later.searchParams.set('t', String(t));
      later.searchParams.delete('step');
      await page.goto(later.href);
      await waitUntil(async () => {
        try {
          await check(page);
          return true;
        } catch {
          return false;
        }
      }, { timeout: 15_000, message: `${id} at ${t} ms` }).catch(async (err) => {
        await check(page); // the assertion's own message
        throw err;
      });
    }
  }, { timeout: 180_000 });
}
