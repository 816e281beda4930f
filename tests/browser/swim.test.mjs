// Browser tests of the SWIM lab (lab=swim) against its UI contract:
//   members: [data-node-id] with data-status up|suspect|down (what most running members believe,
//   or the selected member's view), data-crashed (ground truth) · click a member → selected-node
//   with member-view > [data-member][data-state] and action-crash/restart/isolate/slow/well ·
//   metrics: metric-detection, metric-dissemination, metric-false-positives (data-value,
//   data-healthy), metric-msgs-per-member · sweep: sweep-run, sweep-done, sweep-table.

import assert from 'node:assert/strict';
import { browserTest, choosePreset, nodeStatuses, waitUntil } from './lib.mjs';

const CRASH = 'lab=swim&v=1&seed=1&n=8&faults=2000:crash:3&t=5000';

/** `data-value` of a metric, as a number. */
async function metric(page, id, attr = 'data-value') {
  return Number(await page.getByTestId(id).getAttribute(attr));
}

/** The selected member's view: `{ member: state }`. */
async function memberView(page) {
  return page.getByTestId('member-view').evaluate((ul) =>
    Object.fromEntries([...ul.querySelectorAll('[data-member]')].map((li) => [li.dataset.member, li.dataset.state])));
}

browserTest('the home page lists the SWIM lab and opens it with 8 members', async ({ openPage }) => {
  const page = await openPage('');
  await page.getByTestId('lab-link-swim').click();
  await waitUntil(() => new URL(page.url()).searchParams.get('lab') === 'swim', { message: 'lab=swim in the URL' });
  const statuses = await waitUntil(async () => {
    const s = await nodeStatuses(page);
    return Object.keys(s).length === 8 && s;
  }, { message: '8 members (the default n)' });
  assert.ok(Object.values(statuses).every((s) => s === 'up'));
});

browserTest('a crashed member is declared dead by every live member', async ({ openPage }) => {
  const page = await openPage(CRASH);
  const statuses = await nodeStatuses(page);
  assert.deepEqual(Object.keys(statuses).sort(), ['0', '1', '2', '3', '4', '5', '6', '7']);
  for (const [id, s] of Object.entries(statuses)) assert.equal(s, id === '3' ? 'down' : 'up', `member ${id}`);
  assert.equal(await page.locator('[data-node-id="3"]').getAttribute('data-crashed'), 'true');
  assert.equal(await page.locator('[data-node-id="0"]').getAttribute('data-crashed'), 'false');
  // Each survivor's own view has 3 dead.
  for (const id of [0, 1, 2, 4, 5, 6, 7]) {
    await page.locator(`[data-node-id="${id}"]`).click();
    await waitUntil(async () => (await page.getByTestId('selected-node').getAttribute('data-node')) === String(id));
    const view = await memberView(page);
    assert.equal(view['3'], 'dead', `member ${id} believes 3 dead: ${JSON.stringify(view)}`);
  }
  assert.ok((await metric(page, 'metric-detection')) > 500, 'a detection time is shown');
  assert.ok((await metric(page, 'metric-dissemination')) >= (await metric(page, 'metric-detection')));
  assert.equal(await metric(page, 'metric-false-positives'), 0);
  assert.ok((await metric(page, 'metric-msgs-per-member')) > 5);
});

browserTest('the slow-member presets show what Lifeguard changes in the false positives', async ({ openPage }) => {
  const page = await openPage('lab=swim');
  await choosePreset(page, 'swim-slow');
  await page.getByTestId('preset-lesson').waitFor();
  await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 60_000 });
  const healthyOff = await waitUntil(async () => {
    const v = await metric(page, 'metric-false-positives', 'data-healthy');
    return v > 0 && v;
  }, { timeout: 30_000, message: 'healthy members declared dead without Lifeguard' });
  await choosePreset(page, 'swim-slow-lifeguard');
  await waitUntil(async () => /with Lifeguard/.test(await page.getByTestId('preset-lesson').innerText()));
  await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 60_000 });
  await waitUntil(async () => (await metric(page, 'metric-false-positives')) > 0, {
    timeout: 30_000, message: 'the slow member itself is declared dead',
  });
  assert.equal(await metric(page, 'metric-false-positives', 'data-healthy'), 0, 'no healthy member declared dead with Lifeguard');
  assert.ok(healthyOff >= 40, `without Lifeguard ${healthyOff} healthy members were declared dead`);
  assert.equal(await page.locator('[data-node-id="4"]').getAttribute('data-slow'), 'true');
});

browserTest('selecting a member shows its view: a partition from both sides', async ({ openPage }) => {
  const page = await openPage('lab=swim&v=1&seed=1&n=8&faults=1000:partition:0.1.2.3|4.5.6.7;8000:heal&t=7000');
  const side = async (id) => {
    await page.locator(`[data-node-id="${id}"]`).click();
    await waitUntil(async () => (await page.getByTestId('cluster').getAttribute('data-viewer')) === String(id));
    return nodeStatuses(page);
  };
  const left = await side(0);
  const right = await side(5);
  for (let j = 0; j < 8; j++) {
    assert.equal(left[j], j < 4 ? 'up' : 'down', `member 0's view of ${j}`);
    assert.equal(right[j], j < 4 ? 'down' : 'up', `member 5's view of ${j}`);
  }
  assert.equal((await memberView(page))['0'], 'dead');
  // Clicking the empty stage goes back to the group's view.
  await page.getByTestId('cluster').click({ position: { x: 5, y: 5 } });
  await waitUntil(async () => (await page.getByTestId('cluster').getAttribute('data-viewer')) === '');
});

browserTest("a member's actions go into the timeline: crash, slow", async ({ openPage }) => {
  const page = await openPage('lab=swim&n=5');
  await page.locator('[data-node-id="2"]').click();
  await page.getByTestId('action-slow').click();
  await waitUntil(async () => (await page.locator('[data-node-id="2"]').getAttribute('data-slow')) === 'true');
  await page.getByTestId('action-well').waitFor();
  await page.getByTestId('action-crash').click();
  await waitUntil(async () => (await page.locator('[data-node-id="2"]').getAttribute('data-crashed')) === 'true');
  const entries = await page.getByTestId('fault-entry').allInnerTexts();
  assert.ok(entries.some((e) => /cmd:2:slow:800/.test(e)) && entries.some((e) => /crash:2/.test(e)), entries.join(' | '));
});

browserTest('a bad key value shows the banner naming it and keeps the default', async ({ openPage }) => {
  const page = await openPage('lab=swim&k=99&pto=500');
  const banner = page.getByTestId('error-banner');
  await banner.waitFor();
  const text = await banner.innerText();
  assert.match(text, /\bk\b.*99/s);
  assert.match(text, /pto, tp/);
  assert.equal(await page.getByTestId('param-k').inputValue(), '3');
});

browserTest('the sweep runs 5 to 200 members and charts them against theory', async ({ openPage }) => {
  const page = await openPage('lab=swim');
  await page.getByTestId('sweep-run').click();
  await waitUntil(async () => (await page.getByTestId('sweep-done').innerText()).startsWith('6/6'), {
    timeout: 30_000, message: 'six sizes',
  });
  const rows = await page.getByTestId('sweep-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.members));
  assert.deepEqual(rows, ['5', '10', '20', '50', '100', '200']);
  assert.equal(await page.getByTestId('sweep-time-chart').locator('polyline').count(), 4);
});

browserTest('central, all-to-all and SWIM side by side: loads grow as each design predicts', async ({ openPage }) => {
  const page = await openPage('lab=swim&loss=10');
  await page.getByTestId('compare-run').click();
  await waitUntil(async () => (await page.getByTestId('compare-done').innerText()).startsWith('18/18'), {
    timeout: 60_000, message: 'three designs at six sizes',
  });
  const rows = await page.getByTestId('compare-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.members));
  assert.deepEqual(rows, ['5', '10', '20', '50', '100', '200']);
  // Each cell: "<detect> ms" then "<load>/s · <n> false".
  const cells = await page.getByTestId('compare-table').locator('tbody tr[data-members="200"] td').allInnerTexts();
  const load = (t) => Number(t.match(/(\d+)\/s/)[1]);
  const [central, all, swim] = cells.map(load);
  assert.ok(central > 800 && all > 800, `O(n) loads at 200: ${cells.join(' | ')}`);
  assert.ok(swim < 150, `SWIM's per-member load stays small: ${cells.join(' | ')}`);
  const falseAll = Number(cells[1].match(/(\d+) false/)[1]);
  const falseSwim = Number(cells[2].match(/(\d+) false/)[1]);
  assert.ok(falseAll > falseSwim, `all-to-all raises more false alarms under 10 % loss: ${cells.join(' | ')}`);
  assert.equal(await page.getByTestId('compare-time-chart').locator('polyline').count(), 3);
  assert.match(await page.getByTestId('compare-lesson').innerText(), /At 200 members the monitor receives \d+ messages\/s/);
});
