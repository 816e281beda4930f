// Browser tests of the controls every lab shares and of settings not covered elsewhere: the
// timeline scrubber, the seed field, selects and toggles that replay the run.
import assert from 'node:assert/strict';
import { browserTest, eventLog, nodeStatuses, replayedEvents, simMs, waitUntil, setRange } from './lib.mjs';


async function commit(page, testid, value) {
  await page.getByTestId(testid).fill(String(value));
  await page.getByTestId(testid).press('Tab');
}

browserTest('the timeline scrubber seeks forward and back, exactly', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&v=1&seed=7&n=5&faults=1500:crash:3');
  await setRange(page, 'timeline', 3000);
  await waitUntil(async () => (await simMs(page)) === 3000, { message: 'at 3000 ms' });
  assert.equal((await nodeStatuses(page))['3'], 'down', 'the crash at 1.5 s has been detected by 3 s');
  const at3000 = await eventLog(page);
  await setRange(page, 'timeline', 1000);
  await waitUntil(async () => (await simMs(page)) === 1000, { message: 'back to 1000 ms' });
  assert.equal((await nodeStatuses(page))['3'], 'up', 'before the crash node 3 is up again');
  await setRange(page, 'timeline', 3000);
  await waitUntil(async () => (await simMs(page)) === 3000, { message: 'forward again' });
  assert.deepEqual(await eventLog(page), at3000, 'seeking back and forth lands on the same events');
});

browserTest('a new seed replays a different run, recorded in the link', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat&v=1&seed=1&n=3&t=1000');
  const before = (await eventLog(page)).last.text;
  await commit(page, 'seed', '99');
  await waitUntil(() => new URL(page.url()).searchParams.get('seed') === '99', { message: 'seed=99 in the link' });
  assert.equal(await simMs(page), 1000, 'replayed to the same time');
  assert.notEqual((await eventLog(page)).last.text, before, 'different random draws, different events');
  await commit(page, 'seed', '-3');
  await page.getByTestId('error-banner').waitFor();
  assert.match(await page.getByTestId('error-banner').innerText(), /seed/);
});

browserTest('heartbeat: switching the detector to phi changes who drives the status', async ({ openPage }) => {
  // Node 3 crashes at 1500 ms; φ (Akka's pause of 3 intervals) declares it down after 380 ms,
  // the fixed timeout after 427 ms: at 1900 ms only φ has.
  const page = await openPage('lab=heartbeat&v=1&seed=7&n=5&faults=1500:crash:3&t=1900');
  assert.equal((await nodeStatuses(page))['3'], 'suspect', 'the fixed detector only suspects it at 400 ms');
  await page.getByTestId('param-det').selectOption('phi');
  await waitUntil(() => new URL(page.url()).searchParams.get('det') === 'phi', { message: 'det=phi' });
  await waitUntil(async () => (await nodeStatuses(page))['3'] === 'down', { message: 'phi has already declared 3 down' });
});

browserTest('ring: scheme and hash settings replay the same operations', async ({ openPage }) => {
  const page = await openPage('lab=ring&v=1&seed=1&n=10&vn=160&ops=1000:add:n10&t=1000');
  const ringMoved = Number(await page.getByTestId('stat-moved').getAttribute('data-value'));
  await page.getByTestId('param-scheme').selectOption('modn');
  await waitUntil(async () => Number(await page.getByTestId('stat-moved').getAttribute('data-value')) > 8000, {
    message: 'mod-N moves most keys',
  });
  assert.ok(ringMoved < 1200);
  await page.getByTestId('param-hash').selectOption('md5');
  await waitUntil(() => new URL(page.url()).searchParams.get('hash') === 'md5', { message: 'hash=md5' });
  assert.match(new URL(page.url()).searchParams.get('ops') ?? '', /add:n10/, 'the operation is kept');
});

browserTest('raft: the PreVote toggle replays the run without the disruption', async ({ openPage }) => {
  const page = await openPage('lab=raft&v=1&seed=1&n=5&faults=2000:isolate:0;4000:heal&t=5000');
  const term = async () => Math.max(...(await page.evaluate(() => [...document.querySelectorAll('[data-term]')].map((e) => Number(e.getAttribute('data-term'))))));
  assert.ok((await term()) >= 5, 'without PreVote the isolated server inflates the term');
  await page.getByTestId('param-prevote').check();
  await waitUntil(() => new URL(page.url()).searchParams.get('prevote') === '1', { message: 'prevote=1' });
  await waitUntil(async () => (await term()) <= 2, { message: 'with PreVote terms stay low' });
});

browserTest('a link asking for millions of events replays whole (no event cap), with progress and Cancel', async ({ openPage }) => {
  // 20 backends at 10 000 requests/s for 10 minutes: hundreds of millions of events. The page
  // used to stop at 2 000 000 (before that 300 000) with a notice; now it goes on, a slice per frame.
  const page = await openPage('lab=lb&n=20&rate=10000&t=600000', { settle: false });
  const progress = page.getByTestId('progress');
  await progress.waitFor({ timeout: 60_000 });
  await waitUntil(async () => (await replayedEvents(page)) > 2_100_000, { timeout: 90_000, message: 'past the old 2 000 000-event cap' });
  assert.equal(await page.getByTestId('notice').count(), 0, 'no cap notice');
  await page.getByTestId('cancel-replay').click();
  await progress.waitFor({ state: 'detached', timeout: 2_000 });
  const before = (await eventLog(page)).last.step;
  await page.getByTestId('step').click();
  await waitUntil(async () => (await eventLog(page)).last.step === before + 1, { message: 'still steps' });
});

browserTest('what a user types into a field survives the frames of a playing run until committed', async ({ openPage }) => {
  // Yew writes a bound `value` back into the DOM on every render, and a playing run renders
  // every frame: a plain controlled input lost a half-typed value (and a flaky CI run once lost
  // a value typed right after the page opened).
  const page = await openPage('lab=raft&v=1&seed=1&n=5');
  await page.getByTestId('play').click();
  const seed = page.getByTestId('seed');
  await seed.fill('4242');
  const before = await simMs(page);
  await waitUntil(async () => (await simMs(page)) > before + 200, { message: 'frames go by while playing' });
  assert.equal(await seed.inputValue(), '4242', 'the typed seed is still there');
  // A form read on submit (the client request of a selected server) keeps its text too.
  await page.locator('[data-node-id="1"]').dispatchEvent('click'); // message dots move over nodes while playing
  const request = page.getByTestId('request-input');
  await request.fill('k=9');
  const t = await simMs(page);
  await waitUntil(async () => (await simMs(page)) > t + 200, { message: 'more frames' });
  assert.equal(await request.inputValue(), 'k=9');
  await page.getByTestId('play').click();
  await seed.focus();
  await seed.press('Tab');
  await waitUntil(() => new URL(page.url()).searchParams.get('seed') === '4242', { message: 'seed=4242 committed to the link' });
  assert.equal(await seed.inputValue(), '4242');
});
