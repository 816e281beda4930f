// Browser tests of the self-healing cluster lab (issue 13) against its test hooks:
//   machines [data-node-id=mN] and pods [data-node-id=pN] with data-status up|suspect|down (the
//   control plane's view of their machine); pods data-phase starting|ready|not-ready|crash-loop|
//   terminating and data-hung; alerts [data-testid=alert] with data-state pending|firing|resolved
//   and data-alert (the rule); metrics [data-testid=m-*] with data-value.
// Every preset is chosen from the menu like a user would, and opens at its own t= position.

import assert from 'node:assert/strict';
import { browserTest, choosePreset, waitUntil } from './lib.mjs';

async function metric(page, id) {
  return Number(await page.getByTestId(`m-${id}`).getAttribute('data-value'));
}

/** Chooses preset `id` and waits until the run is at the preset's position (`t_ms`). */
async function openPreset(openPage, id, tMs) {
  const page = await openPage('lab=cluster');
  await choosePreset(page, id);
  await page.getByTestId('preset-lesson').waitFor();
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= tMs, {
    timeout: 30_000,
    message: `the preset replayed to ${tMs} ms`,
  });
  return page;
}

const count = (page, sel) => page.locator(sel).count();

browserTest('a machine dies and its pod comes back elsewhere', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-machine-dies', 120_000);
  assert.equal(await page.locator('[data-node-id=m0]').getAttribute('data-status'), 'down');
  assert.equal(await page.locator('[data-node-id=m0]').getAttribute('data-alive'), 'false');
  assert.equal(await count(page, '.pod[data-phase=ready]'), 4, 'four ready pods again');
  assert.equal(await count(page, '[data-node-id=m0] .pod[data-phase=terminating][data-status=down]'), 1, 'the lost pod is stuck terminating on m0');
  assert.ok((await metric(page, 'failed')) > 0, 'requests failed during the grace period');
  // The error-rate alert went pending → firing → resolved.
  assert.equal(await page.locator('[data-testid=alert][data-alert="error_rate > 0.05 for 1m"]').getAttribute('data-state'), 'resolved');
});

browserTest('a hung pod without probes looks ready and fails a quarter of the requests', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-hang-no-probes', 180_000);
  assert.equal(await count(page, '.pod[data-hung=true][data-phase=ready]'), 1);
  assert.ok((await metric(page, 'availability')) < 80);
  assert.ok((await count(page, '.flow.lost')) === 1, 'requests still flow to the hung pod');
});

browserTest('with liveness and readiness probes the hung pod is taken out and restarted', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-hang-liveness', 180_000);
  assert.equal(await count(page, '.pod[data-hung=true]'), 0);
  assert.equal(await count(page, '.pod[data-phase=ready]'), 4);
  assert.equal(await metric(page, 'restarts'), 1);
  assert.ok((await metric(page, 'availability')) > 95);
});

browserTest('a bad release crash-loops while the old pods keep serving', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-bad-release', 400_000);
  assert.equal(await count(page, '.pod[data-phase=ready]'), 3, 'one old pod taken down, then the rollout stalls');
  assert.equal(await count(page, '.pod.bad'), 2, 'two pods of the bad release');
  assert.ok((await count(page, '.pod.bad[data-phase=crash-loop]')) + (await count(page, '.pod.bad[data-phase=starting]')) === 2);
  assert.equal(await metric(page, 'failed'), 0);
  assert.ok((await metric(page, 'restarts')) >= 8);
  const log = await page.getByTestId('event-log').textContent();
  assert.match(log, /CrashLoopBackOff (160 s|5 min)/);
});

browserTest('the autoscaler chases a spike, late, and holds the replicas after it', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-hpa-spike', 600_000);
  assert.ok((await metric(page, 'lag')) >= 30_000, 'under-provisioned for more than 30 s');
  assert.ok((await metric(page, 'paid')) > 0, 'more replica-seconds paid than needed');
  assert.ok((await metric(page, 'hpa-changes')) >= 4);
  await page.getByTestId('chart-replicas').waitFor();
});

browserTest('without stabilization the autoscaler flaps and fails more requests', async ({ openPage }) => {
  const a = await openPreset(openPage, 'cluster-hpa-stabilized', 600_000);
  const stab = { changes: await metric(a, 'hpa-changes'), failed: await metric(a, 'failed') };
  await choosePreset(a, 'cluster-hpa-flapping');
  await waitUntil(async () => (await a.locator('[data-testid=preset-lesson]').textContent()).includes('Without the stabilization'), { message: 'the second preset' });
  await waitUntil(async () => Number(await a.getByTestId('sim-time').getAttribute('data-ms')) >= 600_000, { timeout: 30_000, message: 'replayed' });
  const flap = { changes: await metric(a, 'hpa-changes'), failed: await metric(a, 'failed') };
  assert.ok(flap.changes >= 3 * stab.changes, JSON.stringify({ stab, flap }));
  assert.ok(flap.failed > 2 * stab.failed, JSON.stringify({ stab, flap }));
});

browserTest('a zone failure with spread keeps serving; packed, it is an outage', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-zone-spread', 240_000);
  for (const m of ['m0', 'm3']) assert.equal(await page.locator(`[data-node-id=${m}]`).getAttribute('data-status'), 'down');
  assert.equal(await metric(page, 'serving'), 100);
  assert.equal(await count(page, '.pod[data-phase=ready]'), 6);
  await choosePreset(page, 'cluster-zone-packed');
  await waitUntil(async () => (await page.locator('[data-testid=preset-lesson]').textContent()).includes('packed'), { message: 'the packed preset' });
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 240_000, { timeout: 30_000, message: 'replayed' });
  assert.ok((await metric(page, 'serving')) < 80);
  assert.equal(await page.locator('[data-testid=alert][data-alert="up == 0 for 30s"]').getAttribute('data-state'), 'resolved');
});

browserTest('the threshold alert fires minutes after the budget is gone; the burn-rate alert at once', async ({ openPage }) => {
  const page = await openPreset(openPage, 'cluster-alert-too-late', 420_000);
  const slow = page.locator('[data-testid=alert][data-alert="error_rate > 0.05 for 5m"]');
  assert.equal(await slow.getAttribute('data-state'), 'firing');
  const title = await slow.getAttribute('title');
  const delay = Number(/detected ([\d.]+) s after the incident began/.exec(title)[1]);
  assert.ok(delay >= 300, title);
  const page1 = page.locator('[data-testid=alert][data-alert^="SLO burn, page"]');
  assert.equal(await page1.getAttribute('data-state'), 'firing');
  assert.ok(Number(/detected ([\d.]+) s/.exec(await page1.getAttribute('title'))[1]) < 10);
  assert.ok((await metric(page, 'budget')) > 100, 'the error budget is spent');
});

browserTest('clicks break the cluster: fail a machine, hang a pod, release a bad version', async ({ openPage }) => {
  const page = await openPage('lab=cluster&grace=2000&evict=1000&start=1000');
  await page.locator('[data-node-id=m1]').click();
  await page.getByTestId('fail-machine').click();
  await page.getByTestId('hang-pod').click();
  await page.getByTestId('release-bad').click();
  const faults = await page.getByTestId('fault-entry').allTextContents();
  assert.deepEqual(faults.map((f) => f.replace('✕', '').trim()), ['0:cmd:0:fail:1', '0:cmd:0:hang', '0:cmd:0:release:bad']);
  assert.equal(await page.locator('[data-node-id=m1]').getAttribute('data-alive'), 'false');
  assert.equal(await count(page, '.pod[data-hung=true]'), 1);
});

browserTest('a bad alert rule in the link names its key and keeps the defaults', async ({ openPage }) => {
  const page = await openPage('lab=cluster&alerts=errors+%3E+1');
  const banner = await page.getByTestId('error-banner').textContent();
  assert.match(banner, /alerts/);
  assert.match(banner, /not a metric/);
  assert.equal(await count(page, '.alert-row'), 5, 'the three default rules and the two burn-rate alerts');
});

browserTest('a dense cluster draws its request dots on the canvas over the drawing, and follows a resize', async ({ openPage }) => {
  const page = await openPage('lab=cluster&n=20&slots=5&rep=100&rps=2000&t=5000');
  await waitUntil(async () => Number(await page.getByTestId('sim-time').getAttribute('data-ms')) >= 5000, {
    timeout: 30_000,
    message: 'the link replayed to 5 s',
  });
  const drawn = () =>
    page.evaluate(() => {
      const c = document.querySelector('.flow-canvas');
      const svg = c.previousElementSibling.getBoundingClientRect();
      const box = c.getBoundingClientRect();
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
      const off = Math.max(Math.abs(box.left - svg.left), Math.abs(box.top - svg.top), Math.abs(box.width - svg.width), Math.abs(box.height - svg.height));
      return { display: getComputedStyle(c).display, inked, off, flows: document.querySelectorAll('.flow').length };
    });
  await waitUntil(async () => (await drawn()).off < 1.5, { message: 'the canvas lies over the drawing' });
  const before = await drawn();
  assert.equal(before.display, 'block');
  assert.ok(before.flows > 0, 'requests are in flight at 5 s');
  assert.ok(before.inked > 50, `the canvas has dots drawn on it (${before.inked} inked pixels)`);
  // A narrower window moves and shrinks the drawing: the canvas follows it after the next paint.
  await page.setViewportSize({ width: 900, height: 720 });
  await waitUntil(async () => (await drawn()).off < 1.5, { message: 'the canvas follows the drawing after a resize' });
  assert.ok((await drawn()).inked > 50, 'and still has its dots');
});
