// Browser tests of the whole-system lab (issue 15) against its test hooks: machines
// [data-node-id=mN] with data-status up|suspect|down; app replicas [data-node-id=appN] with
// data-status (running or not) and data-lb (the balancer's view); shard members
// [data-node-id=sS.J] with data-status, data-role and data-term; the balancer [data-node-id=lb];
// the followed request's hops [data-testid=hop]; metrics [data-testid=m-*] with data-value.
// Every preset is chosen from the menu like a user would, and opens at its own t= position.

import assert from 'node:assert/strict';
import { browserTest, choosePreset, waitUntil } from './lib.mjs';

async function metric(page, id) {
  return Number(await page.getByTestId(`m-${id}`).getAttribute('data-value'));
}

async function openPreset(openPage, id, tMs) {
  const page = await openPage('lab=system');
  await choosePreset(page, id);
  await page.getByTestId('preset-lesson').waitFor();
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= tMs, {
    timeout: 60_000,
    message: `the preset replayed to ${tMs} ms`,
  });
  return page;
}

const attr = (page, sel, a) => page.locator(sel).first().getAttribute(a);
const count = (page, sel) => page.locator(sel).count();

browserTest('the system is drawn in layers on machines, and a request can be followed hop by hop', async ({ openPage }) => {
  const page = await openPage('lab=system&seed=1&t=3000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 3000, { message: 'at 3 s' });
  assert.equal(await count(page, '[data-node-id^=m]'), 9, 'nine machines');
  assert.equal(await count(page, 'g[data-node-id^=app]'), 3);
  assert.equal(await count(page, '[data-role][data-term]'), 9, 'three shards of three members');
  assert.equal(await count(page, '[data-role=leader]'), 3, 'one leader per shard');
  assert.equal(await attr(page, '[data-node-id=lb]', 'data-status'), 'up');
  const hops = await count(page, '[data-testid=hop]');
  assert.ok(hops >= 4, `client, app, shard leader, answer: ${hops} hops`);
  assert.equal(await page.locator('[data-testid=hop]').last().getAttribute('data-at'), 'client');
  assert.ok((await metric(page, 'success')) > 99);
});

browserTest('clicking a machine crashes everything on it, and clicking again restarts it', async ({ openPage }) => {
  const page = await openPage('lab=system&seed=1&t=3000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 3000, { message: 'at 3 s' });
  await page.locator('[data-node-id=m1]').dispatchEvent('click');
  await waitUntil(async () => (await attr(page, '[data-node-id=m1]', 'data-status')) === 'down', { message: 'm1 down' });
  assert.equal(await attr(page, '[data-node-id=app1]', 'data-status'), 'down');
  assert.equal(await attr(page, '[data-node-id="s0.1"]', 'data-status'), 'down');
  await waitUntil(async () => (await page.locator('[data-testid=fault-entry]').allTextContents()).join(' ').includes('crash-m:1'), { message: 'the click is on the timeline' });
  await page.locator('[data-node-id=m1]').dispatchEvent('click');
  await waitUntil(async () => (await attr(page, '[data-node-id=m1]', 'data-status')) === 'up', { message: 'm1 up again' });
});

browserTest('a machine chosen in the panel is slowed and made fast again, each click on the timeline', async ({ openPage }) => {
  const page = await openPage('lab=system&seed=1&t=3000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 3000, { message: 'at 3 s' });
  await page.getByTestId('machine-pick').selectOption('1');
  await page.getByTestId('slow-machine').click();
  await waitUntil(async () => (await attr(page, '[data-node-id=m1]', 'data-slow')) === 'true', { message: 'm1 slow' });
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-status'), 'up', 'a slow machine stays up');
  assert.ok(await page.getByTestId('slow-machine').isDisabled());
  await waitUntil(async () => (await page.locator('[data-testid=fault-entry]').allTextContents()).join(' ').includes('cmd:0:slow-m:1'), { message: 'slow-m on the timeline' });
  await page.getByTestId('fast-machine').click();
  await waitUntil(async () => (await attr(page, '[data-node-id=m1]', 'data-slow')) === 'false', { message: 'm1 fast again' });
  await waitUntil(async () => (await page.locator('[data-testid=fault-entry]').allTextContents()).join(' ').includes('cmd:0:fast-m:1'), { message: 'fast-m on the timeline' });
  await waitUntil(async () => /slow-m:1;\d+:cmd:0:fast-m:1/.test(new URL(page.url()).searchParams.get('faults') ?? ''), { message: 'both in the link' });
});

browserTest('a machine hosting a shard leader dies: ejection, re-election, retries, no anomaly', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-leader-machine-dies', 15_000);
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-status'), 'down');
  assert.equal(await attr(page, '[data-node-id=app1]', 'data-lb'), 'down', 'the balancer took app1 out');
  assert.equal(await count(page, '[data-node-id^="s0."][data-role=leader][data-status=up]'), 1, 'shard 0 has a new leader');
  assert.equal(await metric(page, 'ejection'), 1000);
  assert.ok((await metric(page, 'reelection')) > 0);
  assert.ok((await metric(page, 'timeouts')) > 10);
  assert.equal(await metric(page, 'anomalies'), 0);
});

browserTest('a zone fails: spread placement keeps serving, packed placement is an outage', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-zone-spread', 15_000);
  assert.equal(await count(page, '[data-role=leader][data-status=up]'), 3, 'every shard still leads');
  assert.equal(await metric(page, 'failed'), 0);
  await choosePreset(page, 'system-zone-packed');
  await waitUntil(async () => (await page.getByTestId('preset-lesson').textContent()).includes('Packed'), { message: 'second preset' });
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 15_000, { timeout: 60_000, message: 'replayed' });
  assert.ok((await metric(page, 'success')) < 40);
  assert.equal(await count(page, '[data-node-id^=app][data-status=up]'), 0, 'every app was in zone a');
});

browserTest('a minority leader without a lease serves stale reads; with leases none', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-stale-reads', 15_000);
  assert.ok((await metric(page, 'anomalies')) > 10);
  assert.match(await page.getByTestId('m-anomalies').textContent(), /get k\d+ →/);
  await choosePreset(page, 'system-stale-reads-lease');
  await waitUntil(async () => (await page.getByTestId('preset-lesson').textContent()).includes('leases (the default)'), { message: 'second preset' });
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 15_000, { timeout: 60_000, message: 'replayed' });
  assert.equal(await metric(page, 'anomalies'), 0);
});

browserTest('a slow machine: round-robin feeds its queue into timeouts, least-connections does not', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-slow-rr', 15_000);
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-slow'), 'true', 'm1 is drawn slow');
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-status'), 'up');
  assert.equal(await attr(page, '[data-node-id=app1]', 'data-lb'), 'up', 'its health checks still pass');
  assert.ok((await metric(page, 'timeouts')) > 100);
  assert.ok((await metric(page, 'p99')) > 1000);
  await choosePreset(page, 'system-slow-lc');
  await waitUntil(async () => (await page.getByTestId('preset-lesson').textContent()).includes('Least-connections'), { message: 'second preset' });
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 15_000, { timeout: 60_000, message: 'replayed' });
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-slow'), 'true');
  assert.equal(await metric(page, 'timeouts'), 0);
  assert.equal(await metric(page, 'failed'), 0);
  assert.ok((await metric(page, 'p99')) < 500);
  assert.equal(await metric(page, 'anomalies'), 0);
});

browserTest('adding a shard moves keys while serving: a fourth group on m3–m5, the ring rebalanced, no anomaly', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-add-shard', 10_000);
  assert.equal(await count(page, '[data-node-id^="s3."]'), 3, 'the new shard has three members');
  assert.equal(await count(page, '[data-node-id^="s3."][data-role=leader]'), 1, 'and a leader');
  assert.equal(await attr(page, '[data-node-id="s3.0"]', 'data-status'), 'up');
  assert.equal(await count(page, '[data-testid=shard-keys]'), 4, 'four shards on the ring');
  assert.match(await page.getByTestId('shard-keys').nth(3).textContent(), /shard 3 \(3 members\): k\d+/);
  const rebalance = await metric(page, 'rebalance');
  assert.ok(rebalance > 0 && rebalance < 1000, `rebalanced after ${rebalance} ms`);
  assert.match(await page.getByTestId('m-rebalance').textContent(), /\d+ ms \(\d+ · \d+ · 0\)/);
  assert.equal(await metric(page, 'failed'), 0);
  assert.equal(await metric(page, 'anomalies'), 0);
});

browserTest('the Add a shard button writes add-shard into the timeline and the run replays with it', async ({ openPage }) => {
  const page = await openPage('lab=system&seed=1&t=3000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 3000, { message: 'at 3 s' });
  assert.equal(await count(page, '[data-node-id^="s3."]'), 0);
  await page.getByTestId('machine-pick').selectOption('3');
  await page.getByTestId('add-shard').click();
  await waitUntil(async () => /^3000:cmd:0:add-shard:3$/.test(new URL(page.url()).searchParams.get('faults') ?? ''), { message: 'add-shard in the link' });
  await waitUntil(async () => (await count(page, '[data-node-id^="s3."]')) === 3, { message: 'the new shard drawn' });
  assert.ok(await page.getByTestId('add-shard').isDisabled(), 'once per run');
});

browserTest('chaos for a minute: random faults on the timeline, the formula, no anomaly', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-chaos', 75_000);
  assert.equal(await metric(page, 'anomalies'), 0);
  assert.ok((await metric(page, 'reelection')) > 0);
  const chaos = page.locator('[data-testid=fault-timeline] [data-testid=fault-entry][data-chaos="1"]');
  assert.ok((await chaos.count()) >= 6, 'the chaos faults are entries of the fault timeline');
  assert.match(await chaos.first().textContent(), /cmd:0:(crash-m|isolate-m|zone-down)/);
  assert.ok(!new URL(page.url()).searchParams.has('faults'), 'the link stays short: chaos= stands for them');
  await page.getByTestId('chart-answers').waitFor();
});

browserTest('placement by hand: two of shard 0\'s members on m0, m0 dies, shard 0 loses its majority; the setting moves them', async ({ openPage }) => {
  const page = await openPreset(openPage, 'system-placement-shared', 15_000);
  const on = (m) => page.locator(`[data-node-id=${m}] [data-node-id]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')).sort());
  assert.deepEqual(await on('m0'), ['app0', 's0.0', 's0.1'], 'the link placed s0.1 beside s0.0');
  assert.deepEqual(await on('m1'), ['app1'], 'the spread rule would have put s0.1 here');
  assert.equal(await attr(page, '[data-node-id=m0]', 'data-status'), 'down');
  assert.equal(await count(page, '[data-node-id^="s0."][data-status=up][data-role=leader]'), 0, 'shard 0 has no leader');
  assert.ok((await metric(page, 'failed')) > 100, 'its keys fail');
  // The placement is a setting: moving s0.1 to its own machine replays the run without the outage.
  const field = page.getByTestId('param-place');
  assert.equal(await field.inputValue(), 's0.1@m0');
  await field.fill('s0.1@m3');
  await field.press('Tab');
  await waitUntil(async () => (await on('m3')).includes('s0.1'), { message: 's0.1 on m3' });
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 15_000, { timeout: 60_000, message: 'replayed' });
  await waitUntil(async () => (await count(page, '[data-node-id^="s0."][data-status=up][data-role=leader]')) === 1, { message: 'shard 0 keeps a leader' });
  assert.equal(await metric(page, 'failed'), 0);
  assert.ok(page.url().includes('place=s0.1@m3'), page.url());
});

browserTest('one process alone: crashing shard member s0.1 leaves its machine and app1 running, and restarts', async ({ openPage }) => {
  const page = await openPage('lab=system&seed=1&t=3000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 3000, { message: 'at 3 s' });
  await page.getByTestId('machine-pick').selectOption('1');
  await page.getByTestId('crash-s0.1').click();
  await waitUntil(async () => (await attr(page, '[data-node-id="s0.1"]', 'data-status')) === 'down', { message: 's0.1 down' });
  assert.equal(await attr(page, '[data-node-id=app1]', 'data-status'), 'up', 'app1 on the same machine runs on');
  assert.equal(await attr(page, '[data-node-id=m1]', 'data-status'), 'suspect', 'the machine is partly down');
  await waitUntil(async () => (await page.locator('[data-testid=fault-entry]').allTextContents()).join(' ').includes('crash:'), { message: 'the crash is on the timeline' });
  await page.getByTestId('restart-s0.1').click();
  await waitUntil(async () => (await attr(page, '[data-node-id="s0.1"]', 'data-status')) === 'up', { message: 's0.1 up again' });
});
