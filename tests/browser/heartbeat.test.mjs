// Browser tests of the heartbeat lab against the UI contract (data-testid hooks):
//   home: lab-link-heartbeat · lab: play (aria-pressed), step, step-back, speed (range), seed, reset,
//   timeline (range), copy-link → share-url (readonly input), sim-time (data-ms = exact sim ms),
//   event-log > event (data-step, 1-based; at most the last 200 shown), error-banner (names the bad
//   parameter) · nodes: [data-node-id] with data-status up|suspect|down; node 0 = monitor,
//   1..n = workers (n from the link, default 5) · node click → action-crash, action-restart.
// Keyboard: Space toggles play, ArrowRight steps once.

import assert from 'node:assert/strict';
import { browserTest, eventLog, isPlaying, nodeStatuses, setRange, simMs, waitUntil } from './lib.mjs';

const LOG_LIMIT = 200;
const STATUSES = new Set(['up', 'suspect', 'down']);

/** Waits until the event log's last step differs from `before`'s and returns the new log. */
function nextLog(page, before, message = 'a new event line') {
  const beforeStep = before.last?.step ?? 0;
  return waitUntil(
    async () => {
      const log = await eventLog(page);
      return (log.last?.step ?? 0) !== beforeStep && log;
    },
    { message },
  );
}

/** Asserts `after` is `before` plus exactly one event line. */
function assertOneMore(before, after) {
  assert.equal(after.last.step, (before.last?.step ?? 0) + 1, 'the new line is the next step');
  assert.equal(after.count, Math.min(before.count + 1, LOG_LIMIT), 'exactly one more event line');
}

/** Clicks step and waits for its event line. */
async function step(page) {
  const before = await eventLog(page);
  await page.getByTestId('step').click();
  const after = await nextLog(page, before, 'the event line of a step');
  assertOneMore(before, after);
  return after;
}

async function setPlaying(page, playing) {
  if ((await isPlaying(page)) !== playing) await page.getByTestId('play').click();
  await waitUntil(async () => (await isPlaying(page)) === playing, {
    message: `play aria-pressed=${playing}`,
  });
}

async function crash(page, id) {
  await page.locator(`[data-node-id="${id}"]`).click();
  await page.getByTestId('action-crash').click();
}

browserTest('(a) the home page lists the heartbeat lab and opens it', async ({ openPage }) => {
  const page = await openPage('');
  const link = page.getByTestId('lab-link-heartbeat');
  await link.waitFor({ state: 'visible' });
  await link.click();

  await waitUntil(() => new URL(page.url()).searchParams.get('lab') === 'heartbeat', {
    message: 'the URL to gain lab=heartbeat',
  });
  await page.getByTestId('play').waitFor({ state: 'visible' });
  const statuses = await waitUntil(async () => {
    const s = await nodeStatuses(page);
    return Object.keys(s).length === 6 && s;
  }, { message: 'a monitor and 5 workers (the default n)' });
  assert.deepEqual(Object.keys(statuses).sort(), ['0', '1', '2', '3', '4', '5']);
  for (const [id, status] of Object.entries(statuses)) {
    assert.ok(STATUSES.has(status), `node ${id} has data-status ${status}`);
  }
});

browserTest('the lab page has every control', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  for (const id of ['play', 'step', 'step-back', 'reset', 'copy-link']) {
    await page.getByTestId(id).waitFor({ state: 'visible' });
  }
  for (const id of ['speed', 'timeline']) {
    assert.equal(await page.getByTestId(id).getAttribute('type'), 'range', `${id} is a range input`);
  }
  assert.equal(await page.getByTestId('seed').evaluate((el) => el.tagName), 'INPUT');
  assert.equal(await isPlaying(page), false, 'a lab opens paused');
  assert.match(await page.getByTestId('sim-time').innerText(), /\bms\b/);
  await simMs(page);
});

browserTest('(b) play advances simulated time and pause stops it', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  const start = await simMs(page);

  await setPlaying(page, true);
  await waitUntil(async () => (await simMs(page)) > start, {
    timeout: 10_000,
    message: 'sim-time data-ms to increase while playing',
  });

  await setPlaying(page, false);
  const paused = await simMs(page);
  await page.waitForTimeout(300);
  assert.equal(await simMs(page), paused, 'sim time stays put while paused');
});

browserTest('(c) step adds one event line and step-back undoes it', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  assert.equal(await isPlaying(page), false, 'a lab opens paused');

  const first = await step(page);
  const firstMs = await simMs(page);
  const second = await step(page);
  assert.ok((await simMs(page)) >= firstMs, 'a step never goes back in time');
  assert.notDeepEqual(second.last, first.last);

  await page.getByTestId('step-back').click();
  const back = await waitUntil(
    async () => {
      const log = await eventLog(page);
      return log.last?.step === first.last.step && log;
    },
    { message: 'step-back to restore the previous event line' },
  );
  assert.deepEqual(back, first, 'same line count and last line as before the step');
  assert.equal(await simMs(page), firstMs, 'same simulated time as before the step');
});

/** Marks every drawn log line, runs `act`, and returns how many marked lines are still drawn. */
async function linesKept(page, act) {
  await page.getByTestId('event-log').evaluate((log) => log.querySelectorAll('[data-testid=event]').forEach((l) => { l.__drawn = true; }));
  await act();
  return page.getByTestId('event-log').evaluate((log) => [...log.querySelectorAll('[data-testid=event]')].filter((l) => l.__drawn).length);
}

browserTest('a step (forward or back) draws one log line and keeps the rest; after a seek back the timeline still reaches the end', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&t=20000');
  const start = await eventLog(page);
  assert.equal(start.count, LOG_LIMIT);
  const to = (k) => waitUntil(async () => (await eventLog(page)).last?.step === k, { message: `the log to end at event ${k}` });
  const kept = await linesKept(page, async () => {
    await page.getByTestId('step').click();
    await to(start.last.step + 1);
  });
  assert.equal(kept, LOG_LIMIT - 1, 'a step adds one line and drops the oldest; the others stay drawn');
  const keptBack = await linesKept(page, async () => {
    await page.getByTestId('step-back').click();
    await to(start.last.step);
  });
  assert.equal(keptBack, LOG_LIMIT - 1, 'a step back removes one line and brings one back; the others stay drawn');

  const timeline = page.getByTestId('timeline');
  const max = Number(await timeline.getAttribute('max'));
  assert.ok(max > 20_000, `the timeline reaches past the position: ${max}`);
  await setRange(page, 'timeline', 5_000);
  await waitUntil(async () => (await simMs(page)) === 5_000, { message: 'the seek back to 5 s' });
  assert.equal(Number(await timeline.getAttribute('max')), max, 'the timeline still reaches as far as the run has been');
  await setRange(page, 'timeline', 19_000);
  await waitUntil(async () => (await simMs(page)) === 19_000, { message: 'the seek forward to 19 s' });
});

browserTest('at the end of a run (10 minutes) Step says so and stays; a link past it opens at the end', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&t=600000');
  assert.equal(await simMs(page), 600_000);
  const at = (await eventLog(page)).last.step;
  await page.getByTestId('step').click();
  await waitUntil(async () => (await page.getByTestId('notice').count()) === 1, { message: 'a notice' });
  assert.match(await page.getByTestId('notice').innerText(), /10-minute limit/);
  assert.equal((await eventLog(page)).last.step, at, 'no event past the 10 minutes');
  assert.equal(await simMs(page), 600_000);

  // The same run's step position, and one far past its end: the end, with a notice.
  const past = await openPage(`lab=heartbeat&t=600000&step=${at + 5_000_000}`);
  assert.equal((await eventLog(past)).last.step, at);
  assert.match(await past.getByTestId('notice').innerText(), /past the end/);
});

browserTest('(d) a crashed worker is marked down by the monitor', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  const node3 = page.locator('[data-node-id="3"]');
  assert.equal(await node3.getAttribute('data-status'), 'up');

  await crash(page, 3);
  await setPlaying(page, true);
  // The default detector marks a node down within ~1 s of simulated time.
  await waitUntil(async () => (await node3.getAttribute('data-status')) === 'down', {
    timeout: 20_000,
    interval: 100,
    message: 'node 3 to get data-status="down"',
  });
  await setPlaying(page, false);

  const statuses = await nodeStatuses(page);
  for (const id of ['0', '1', '2', '4', '5']) {
    assert.notEqual(statuses[id], 'down', `node ${id} did not crash and must not be down`);
  }
});

browserTest('(e) a copied link replays the same state in a fresh page', async ({ openPage, newSession, session }) => {
  const page = await openPage('lab=heartbeat');
  await setPlaying(page, true);
  const start = await simMs(page);
  await waitUntil(async () => (await simMs(page)) > start + 200, {
    timeout: 10_000,
    message: 'some simulated time to pass',
  });
  await setPlaying(page, false);
  await crash(page, 2);
  for (let i = 0; i < 5; i++) await step(page);

  const expected = {
    ms: await simMs(page),
    statuses: await nodeStatuses(page),
    last: (await eventLog(page)).last,
  };

  await page.getByTestId('copy-link').click();
  const shareUrl = page.getByTestId('share-url');
  await shareUrl.waitFor({ state: 'visible' });
  assert.notEqual(await shareUrl.getAttribute('readonly'), null, 'share-url is readonly');
  const link = await waitUntil(() => shareUrl.inputValue(), { message: 'a share-url value' });
  const url = new URL(link, page.url());
  assert.equal(url.origin, session.origin, 'the link points at this site');

  const fresh = await newSession();
  const page2 = await fresh.openPage(url.href);
  const actual = async () => ({
    ms: await simMs(page2),
    statuses: await nodeStatuses(page2),
    last: (await eventLog(page2)).last,
  });
  await waitUntil(async () => JSON.stringify(await actual()) === JSON.stringify(expected), {
    timeout: 10_000,
    message: 'the shared page to reach the same state',
  }).catch(() => {});
  assert.deepEqual(await actual(), expected);
});

const BAD_LINKS = [
  { name: 'n out of range', query: 'lab=heartbeat&n=1000000', mentions: /\bn\b/, nodes: true },
  { name: 'unknown lab', query: 'lab=nope', mentions: /\blab\b|nope/i },
  { name: 'markup in seed', query: 'lab=heartbeat&seed=<script>alert(1)</script>', mentions: /seed/ },
  { name: '100 KB faults', query: `lab=heartbeat&faults=${'x'.repeat(100_000)}`, mentions: /faults/, usable: true },
];

for (const bad of BAD_LINKS) {
  browserTest(`(f) bad link: ${bad.name} shows an error banner`, async ({ openPage, session }) => {
    const page = await openPage(bad.query);
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ state: 'visible' });
    const text = await banner.innerText();
    assert.match(text, bad.mentions, `the banner names the bad parameter: ${text.slice(0, 200)}`);
    assert.ok(text.length < 10_000, 'the banner does not echo a huge value back');
    assert.equal(await page.locator('[data-testid=error-banner] script').count(), 0, 'no markup injected');
    assert.deepEqual(session.dialogs, [], 'no dialog opened');

    if (bad.nodes || bad.usable) {
      const count = Object.keys(await nodeStatuses(page)).length;
      assert.ok(count >= 2 && count <= 1000, `a safe default set of nodes is shown (got ${count})`);
    }
    if (bad.usable) {
      await step(page);
    }
  });
}

browserTest('(g) keyboard: Space toggles play, ArrowRight steps', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  await page.evaluate(() => {
    document.activeElement?.blur?.();
    document.body.focus();
  });

  await page.keyboard.press('Space');
  await waitUntil(() => isPlaying(page), { message: 'Space to start playing' });
  await page.keyboard.press('Space');
  await waitUntil(async () => !(await isPlaying(page)), { message: 'Space to pause' });

  const before = await eventLog(page);
  await page.keyboard.press('ArrowRight');
  assertOneMore(before, await nextLog(page, before, 'ArrowRight to step'));
});

browserTest('reset returns to the start of the scenario', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  const initial = { ms: await simMs(page), log: await eventLog(page) };
  await step(page);
  await step(page);
  await page.getByTestId('reset').click();
  await waitUntil(async () => (await eventLog(page)).count === initial.log.count, {
    message: 'reset to restore the initial event log',
  });
  assert.deepEqual({ ms: await simMs(page), log: await eventLog(page) }, initial);
});
