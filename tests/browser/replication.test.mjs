// Browser tests of the replication and locks lab (issue 12) against its test hooks:
//   sections: section-repl | section-locks | section-aa (tabs; a switch writes sec= into the link)
//   nodes: [data-node-id] with data-role primary|replica|monitor|client|lock-service|storage|site and
//   data-status (up|suspect|down as the monitor believes, or crashed)
//   repl: [data-testid=rolled-back] log entries (data-lost=true: an acknowledged write lost),
//   split-brain-band on the "acting as primary" timeline, metric-acked-lost, metric-split-brain …
//   locks: [data-testid=storage-write] with data-verdict accepted|late|stale|refused,
//   metric-stale-accepted, metric-stale-refused · aa: [data-testid=converged] data-converged
// Every one of the 22 presets is checked: eight by their own tests, the rest by PRESET_OUTCOMES.
// Presets open at their own t= position, so no test plays in real time.

import assert from 'node:assert/strict';
import { browserTest, choosePreset, waitUntil } from './lib.mjs';

/** data-value of metric `id` as a number. */
async function metric(page, id) {
  return Number(await page.getByTestId(`metric-${id}`).getAttribute('data-value'));
}

/** Waits until metric `id` satisfies `ok` and returns it. */
function metricUntil(page, id, ok, message) {
  return waitUntil(
    async () => {
      const v = await metric(page, id);
      return ok(v) ? { v } : null;
    },
    { message: message ?? `metric-${id}` },
  ).then((r) => r.v);
}

const SPLIT = 'faults=1000:partition:1.4|0.2.3.5;3000:heal';

browserTest('the async-loss preset shows lost acknowledged writes, struck out where they were rolled back', async ({ openPage }) => {
  const page = await openPage('lab=replication');
  await choosePreset(page, 'repl-async-loss');
  await page.getByTestId('preset-lesson').waitFor();
  const lost = await metricUntil(page, 'acked-lost', (v) => v > 0, 'acknowledged writes lost');
  assert.ok(lost > 0);
  // The old primary (node 1) rejoined as a replica: its unreplicated suffix is struck out, and
  // the acknowledged ones among them are marked lost.
  await waitUntil(async () => (await page.locator('[data-node-id="1"] [data-testid=rolled-back][data-lost=true]').count()) > 0, {
    message: 'a struck-out lost entry on node 1',
  });
  assert.equal(await page.locator('[data-node-id="1"]').getAttribute('data-role'), 'replica');
  assert.equal(await page.locator('[data-node-id="2"]').getAttribute('data-role'), 'primary');
});

browserTest('the sync preset loses no acknowledged write', async ({ openPage }) => {
  const page = await openPage('lab=replication&sec=repl&seed=1&mode=sync&delay=1000&cto=2000&faults=1500:crash:1;3000:restart:1&t=5000');
  await page.getByTestId('preset-lesson').waitFor();
  await metricUntil(page, 'failovers', (v) => v === 1, 'one failover');
  assert.equal(await metric(page, 'acked-lost'), 0);
  assert.equal(await page.locator('[data-testid=rolled-back][data-lost=true]').count(), 0);
  // The price: sync writes wait for the slowest replica.
  const p50 = Number(await page.getByTestId('metric-latency-sync').getAttribute('data-value'));
  assert.ok(p50 > 1000, `sync p50 ${p50} ms waits out the 1 s replication delay`);
});

browserTest('the split-brain preset shows two primaries at once, drawn on the timeline', async ({ openPage }) => {
  const page = await openPage(`lab=replication&sec=repl&seed=1&${SPLIT}&t=2500`);
  await waitUntil(async () => (await page.locator('[data-role=primary]').count()) === 2, {
    message: 'two nodes with data-role=primary',
  });
  const ids = await page.locator('[data-role=primary]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')));
  assert.deepEqual(ids.sort(), ['1', '2']);
  assert.ok((await metric(page, 'split-brain')) > 500);
  assert.ok((await page.getByTestId('split-brain-band').count()) >= 1, 'the overlap is drawn');
  // The monitor cannot hear node 1 any more: it believes it down.
  assert.equal(await page.locator('[data-node-id="1"]').getAttribute('data-status'), 'down');
});

browserTest('the paused lock holder writes stale data without fencing, and is refused with it', async ({ openPage }) => {
  const page = await openPage('lab=replication&sec=locks&seed=1&lfence=0&lcheck=0&faults=1210:cmd:2:pause:2500&t=4000');
  assert.equal(await page.locator('[data-node-id="0"]').getAttribute('data-role'), 'lock-service');
  assert.equal(await page.locator('[data-node-id="1"]').getAttribute('data-role'), 'storage');
  await metricUntil(page, 'stale-accepted', (v) => v === 1, 'one stale write accepted');
  assert.ok((await page.locator('[data-testid=storage-write][data-verdict=stale]').count()) >= 1);
  assert.ok((await metric(page, 'exclusion')) > 0, 'two clients believed they held the lock');

  const fenced = await openPage('lab=replication&sec=locks&seed=1&lcheck=0&faults=1210:cmd:2:pause:2500&t=4000');
  await metricUntil(fenced, 'stale-refused', (v) => v === 1, 'the stale write refused');
  assert.equal(await metric(fenced, 'stale-accepted'), 0);
  const refused = fenced.locator('[data-testid=storage-write][data-verdict=refused]');
  assert.ok((await refused.count()) >= 1);
  // Refused writes are drawn in the palette's "down" colour.
  const colour = await refused.first().locator("text").evaluate((el) => getComputedStyle(el).fill);
  const down = await fenced.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--down)';
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
  assert.equal(colour, down);
});

browserTest('the section switcher changes the link and the stage', async ({ openPage }) => {
  const page = await openPage('lab=replication&seed=7');
  assert.equal(await page.getByTestId('section-repl').getAttribute('aria-selected'), 'true');
  await page.getByTestId('section-locks').click();
  await waitUntil(() => new URL(page.url()).searchParams.get('sec') === 'locks', { message: 'sec=locks in the link' });
  await page.locator('[data-role=lock-service]').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('seed'), '7', 'the seed is kept');
  await page.getByTestId('section-aa').click();
  await waitUntil(() => new URL(page.url()).searchParams.get('sec') === 'aa', { message: 'sec=aa in the link' });
  await page.getByTestId('converged').waitFor();
  assert.equal(await page.locator('[data-role=site]').count(), 2);
  await page.getByTestId('section-repl').click();
  await waitUntil(() => !new URL(page.url()).searchParams.has('sec'), { message: 'the default section leaves sec out' });
  await page.locator('[data-role=monitor]').waitFor();
});

browserTest('a bad mode= value shows the banner naming it and keeps the rest of the link', async ({ openPage }) => {
  const page = await openPage('lab=replication&mode=fast&c=3');
  const banner = page.getByTestId('error-banner');
  await banner.waitFor();
  const text = await banner.innerText();
  assert.match(text, /mode/);
  assert.match(text, /fast/);
  assert.equal(await page.locator('[data-role=client]').count(), 3, 'c=3 is kept');
});

browserTest('clicking a replica promotes it by hand (a switchover through the monitor)', async ({ openPage }) => {
  const page = await openPage('lab=replication&t=1000');
  await page.locator('[data-node-id="3"] .body').click();
  await page.getByTestId('action-promote').click();
  await waitUntil(() => (new URL(page.url()).searchParams.get('faults') ?? '').includes('cmd:0:promote:3'), {
    message: 'the switchover is in the link',
  });
  // The same link half a second later: the monitor has switched over to node 3.
  const later = new URL(page.url());
  later.searchParams.set('t', '1500');
  later.searchParams.delete('step');
  await page.goto(later.href);
  await waitUntil(async () => (await page.locator('[data-node-id="3"]').getAttribute('data-role')) === 'primary', {
    message: 'node 3 becomes primary',
  });
  assert.equal(await page.locator('[data-role=primary]').count(), 1);
});

browserTest('the CRDT preset converges after the heal', async ({ openPage }) => {
  const page = await openPage('lab=replication');
  await choosePreset(page, 'aa-crdt');
  await waitUntil(async () => (await page.getByTestId('converged').getAttribute('data-converged')) === 'true', {
    message: 'every site agrees',
  });
  assert.equal(await page.locator('[data-role=site]').count(), 3);
  assert.equal(await metric(page, 'increments-missing'), 0);
});

// Every other preset, chosen from the Presets menu as a user would: what its lesson claims is
// what the page's metrics show at the preset's own position.
const PRESET_OUTCOMES = {
  'repl-sync-stall': { 'unavailable': (v) => v > 1500, 'failovers': (v) => v === 0, 'acked-lost': (v) => v === 0 },
  'repl-semi-fallback': { 'failovers': (v) => v === 1, 'acked-lost': (v) => v > 0 },
  'repl-quorum': { 'unavailable': (v) => v > 3000, 'acked-lost': (v) => v === 0 },
  'repl-naive-promotion': { 'failovers': (v) => v === 1, 'acked-lost': (v) => v > 0, 'rolled-back': (v) => v > 0 },
  'repl-after-commit': { 'phantom-reads': (v) => v > 0, 'acked-lost': (v) => v === 0 },
  'repl-stale-reads': { 'stale-reads': (v) => v > 10, 'failovers': (v) => v === 0 },
  'repl-no-fencing': { 'split-brain': (v) => v > 2000, 'deposed-acks': (v) => v > 0 },
  'repl-witness': { 'failovers': (v) => v === 0, 'split-brain': (v) => v === 0, 'acked-lost': (v) => v === 0 },
  'repl-lease': { 'failovers': (v) => v === 1, 'split-brain': (v) => v === 0 },
  'repl-lease-drift': { 'failovers': (v) => v === 1, 'split-brain': (v) => v > 100 },
  'locks-herd': { 'acquires-per-grant': (v) => v > 3, 'exclusion': (v) => v === 0 },
  'locks-lock-delay': { 'stale-accepted': (v) => v === 0, 'exclusion': (v) => v === 0 },
  'locks-check-drift': { 'exclusion': (v) => v > 0, 'late-accepted': (v) => v > 0 },
  'aa-lww-skew': { 'newer-lost': (v) => v > 0, 'divergent': (v) => v === 0 },
  'aa-vv-siblings': { 'conflicts': (v) => v > 0, 'newer-lost': (v) => v === 0 },
  'aa-lww-counter': { 'increments-missing': (v) => v > 10, 'divergent': (v) => v === 0 },
};

browserTest('every other preset shows what its lesson says', async ({ openPage }) => {
  const page = await openPage('lab=replication');
  for (const [id, checks] of Object.entries(PRESET_OUTCOMES)) {
    await choosePreset(page, id);
    await page.getByTestId('preset-lesson').waitFor();
    for (const [name, ok] of Object.entries(checks)) {
      await waitUntil(async () => ok(await metric(page, name)), {
        message: `${id}: metric-${name} (now ${await metric(page, name).catch(() => '?')})`,
      });
    }
  }
});

/** The wasm files this page load fetched (each section of the lab is its own bundle). */
async function wasmLoaded(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => e.name.split('/').pop())
      .filter((n) => n.endsWith('.wasm')),
  );
}

browserTest('each section loads only its own bundle; a preset or lesson step of another section opens there', async ({ openPage }) => {
  const page = await openPage('lab=replication&sec=locks&seed=3');
  assert.deepEqual(await wasmLoaded(page), ['ha-replication-locks_bg.wasm']);
  await page.locator('[data-role=lock-service]').waitFor();
  // A preset of the active-active section, chosen from this page's menu: that section's page.
  await choosePreset(page, 'aa-crdt');
  await waitUntil(() => new URL(page.url()).searchParams.get('sec') === 'aa', { message: 'sec=aa in the link' });
  await page.getByTestId('converged').waitFor();
  assert.deepEqual(await wasmLoaded(page), ['ha-replication-aa_bg.wasm']);
  await page.getByTestId('preset-lesson').waitFor();
  // A lesson link names no section: the loader starts the default bundle, which hands a step of
  // the locks section to the locks bundle.
  await openPage('lab=replication&lesson=repl-split-brain&step=4');
  await page.locator('[data-role=lock-service]').waitFor();
  assert.deepEqual(await wasmLoaded(page), ['ha-replication_bg.wasm', 'ha-replication-locks_bg.wasm']);
  assert.match(await page.getByTestId('lesson-step').innerText(), /4\s*\/\s*4/);
  // Back to step 3 (the repl section): the page goes to the lesson's link and the default bundle.
  await page.getByTestId('lesson-back').click();
  await page.locator('[data-role=monitor]').waitFor();
  await waitUntil(() => new URL(page.url()).searchParams.get('step') === '3', { message: 'step=3 in the link' });
  assert.match(await page.getByTestId('lesson-step').innerText(), /3\s*\/\s*4/);
});

browserTest('the simulator pause fault (pause:N:MS) shows in the fault timeline and pauses the lock holder', async ({ openPage }) => {
  const page = await openPage('lab=replication&sec=locks&seed=1&lfence=0&lcheck=0&faults=1210:pause:2:2500&t=4000');
  const entry = page.getByTestId('fault-entry');
  await waitUntil(async () => (await entry.count()) === 1, { message: 'one fault in the timeline' });
  assert.match(await entry.first().textContent(), /1210:pause:2:2500/);
  await metricUntil(page, 'stale-accepted', (v) => v === 1, 'the resumed holder writes stale data');
  assert.ok((await metric(page, 'exclusion')) > 0, 'two clients believed they held the lock');
});

browserTest('a long run draws each log from its last index, the compacted prefix as one block (issue 10)', async ({ openPage }) => {
  // 300 operations/s per client for 3 s: about 1 400 entries, all but the last ~300 compacted.
  const page = await openPage('lab=replication&rate=300&t=3000');
  const block = page.locator('[data-node-id="1"] [data-testid=snapshot-block]');
  await waitUntil(async () => (await block.count()) === 1, { message: 'a snapshot block on node 1' });
  assert.match(await block.locator('title').textContent(), /^entries 1–\d+ compacted into a snapshot$/);
  // The short default run compacts nothing: no block.
  const short = await openPage('lab=replication&t=2000');
  await short.locator('[data-node-id="1"]').waitFor();
  assert.equal(await short.locator('[data-testid=snapshot-block]').count(), 0);
});
