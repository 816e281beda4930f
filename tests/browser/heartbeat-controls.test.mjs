// Browser tests of the heartbeat lab's forms, presets, network panel and message clicks.
import assert from 'node:assert/strict';
import { browserTest, eventLog, nodeStatuses, simMs, waitUntil, choosePreset, setRange } from './lib.mjs';


/** Types into a text field and commits it (fires `change`). */
async function typeAndCommit(page, testid, value) {
  const input = page.getByTestId(testid);
  await input.fill(String(value));
  await input.press('Tab'); // leaving the field commits it (a `change` event)
}

browserTest('an absurd value in a form shows the banner and keeps the safe default', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&n=4');
  await typeAndCommit(page, 'param-n', '1000000');
  const banner = page.getByTestId('error-banner');
  await banner.waitFor({ state: 'visible' });
  assert.match(await banner.innerText(), /\bn\b.*1000000.*outside 1–50/s);
  // The workers fall back to the default count (5) rather than a million nodes.
  await waitUntil(async () => Object.keys(await nodeStatuses(page)).length === 6, { message: 'monitor + 5 workers' });
  await page.getByTestId('dismiss-banner').click();
  await banner.waitFor({ state: 'detached' });
});

browserTest('a preset loads its scenario and failover happens when played', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  await choosePreset(page, 'hb-failover');
  await waitUntil(() => new URL(page.url()).searchParams.get('faults')?.includes('crash:1'), {
    message: 'the preset faults in the URL',
  });
  assert.equal(await page.getByTestId('fault-entry').count(), 2);
  await setRange(page, 'speed', 1); // 10× real time
  await page.getByTestId('play').click();
  await waitUntil(async () => (await page.getByTestId('metric-failovers').innerText()).trim() === '1', {
    timeout: 20_000,
    message: 'one failover',
  });
  await page.getByTestId('play').click();
  assert.match(await page.getByTestId('metric-primary').innerText(), /node 2 \(epoch 2\)/);
  assert.equal(await page.locator('[data-node-id="2"]').getAttribute('data-role'), 'primary');
});

browserTest('crash then step back: the crash is undone exactly', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  for (let i = 0; i < 3; i++) await page.getByTestId('step').click();
  const before = { log: await eventLog(page), ms: await simMs(page) };
  await page.locator('[data-node-id="3"]').click();
  await page.getByTestId('action-crash').click();
  await waitUntil(async () => (await page.locator('[data-node-id="3"]').getAttribute('data-alive')) === 'false', {
    message: 'node 3 crashed',
  });
  const after = await eventLog(page);
  assert.match(after.last.text, /fault crash:3/);
  await page.getByTestId('step-back').click();
  await waitUntil(async () => (await page.locator('[data-node-id="3"]').getAttribute('data-alive')) === 'true', {
    message: 'node 3 alive again after stepping back over the crash',
  });
  assert.deepEqual({ log: await eventLog(page), ms: await simMs(page) }, before);
});

browserTest('partition from the network panel cuts links; heal restores them', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&n=3');
  assert.equal(await page.locator('line.link.cut').count(), 0);
  await page.getByTestId('net-partition').fill('0.2|1.3');
  await page.getByTestId('net-partition-apply').click();
  await waitUntil(async () => (await page.locator('line.link.cut').count()) === 4, {
    message: 'links of workers 1 and 3 to the monitor cut both ways',
  });
  assert.match(new URL(page.url()).searchParams.get('faults') ?? '', /partition:0\.2\|1\.3/);
  await page.getByTestId('heal').click();
  await waitUntil(async () => (await page.locator('line.link.cut').count()) === 0, { message: 'all links up' });
  // A bad partition names the problem and changes nothing.
  await page.getByTestId('net-partition').fill('0.9');
  await page.getByTestId('net-partition-apply').click();
  await page.getByTestId('error-banner').waitFor({ state: 'visible' });
  assert.match(await page.getByTestId('error-banner').innerText(), /node 9 does not exist/);
});

browserTest('clicking a message in flight drops it', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&n=2');
  // Step until a message is on the wire.
  await waitUntil(async () => {
    if ((await page.locator('[data-msg-id]').count()) > 0) return true;
    await page.getByTestId('step').click();
    return false;
  }, { timeout: 10_000, message: 'a message in flight' });
  const id = await page.locator('[data-msg-id]').first().getAttribute('data-msg-id');
  await page.locator(`[data-msg-id="${id}"]`).click();
  await waitUntil(async () => (await eventLog(page)).last?.text.includes(`fault drop:${id}`), {
    message: 'a drop fault in the log',
  });
  assert.equal(await page.locator(`[data-msg-id="${id}"]`).count(), 0, 'the message is gone');
});
