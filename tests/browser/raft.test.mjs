// Browser tests of the Raft lab: elections, partitions, client requests, shared links, the §9.3
// experiment. Servers carry data-node-id, data-status, data-role and data-term; each log row is
// [data-testid=log-<id>] with one element per entry (data-index, data-term, data-committed).
import assert from 'node:assert/strict';
import { browserTest, choosePreset, cli, drawnInPlace, eventLog, pageAt, simMs, waitUntil } from './lib.mjs';

async function roles(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-node-id][data-role]')].map((el) => ({
      id: el.getAttribute('data-node-id'),
      role: el.getAttribute('data-role'),
      term: Number(el.getAttribute('data-term')),
      status: el.getAttribute('data-status'),
    })),
  );
}

async function logEntries(page, id) {
  return page.locator(`[data-testid=log-${id}] [data-index]`).evaluateAll((els) =>
    els.map((e) => ({
      index: Number(e.getAttribute('data-index')),
      term: Number(e.getAttribute('data-term')),
      committed: e.getAttribute('data-committed') === 'true',
    })),
  );
}

async function fastPlay(page) {
  await page.getByTestId('speed').evaluate((el) => {
    el.value = '0';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.getByTestId('play').click();
}

browserTest('a leader is elected and a crashed leader is replaced by one with a higher term', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  assert.equal((await roles(page)).length, 5);
  await fastPlay(page);
  const leader = await waitUntil(async () => (await roles(page)).find((r) => r.role === 'leader'), {
    timeout: 15_000,
    message: 'a first leader',
  });
  await page.getByTestId('play').click();
  await page.locator(`[data-node-id="${leader.id}"]`).click();
  await page.getByTestId('action-crash').click();
  await waitUntil(async () => (await roles(page)).find((r) => r.id === leader.id)?.status === 'down', {
    message: 'the old leader is down',
  });
  await page.getByTestId('play').click();
  const next = await waitUntil(
    async () => (await roles(page)).find((r) => r.role === 'leader' && r.status === 'up' && r.id !== leader.id),
    { timeout: 20_000, message: 'a new leader' },
  );
  assert.ok(next.term > leader.term, `new term ${next.term} > ${leader.term}`);
  assert.equal(await page.locator('[data-testid=invariants] [data-ok=false]').count(), 0, 'invariants hold');
});

browserTest('a partitioned minority leader cannot commit; after heal its entry is replaced', async ({ openPage }) => {
  const page = await openPage('lab=raft&v=1&seed=1&n=5&faults=2000:partition:3.4|0.1.2;2300:cmd:3:put:x=1;2800:cmd:1:put:x=2;3000:cmd:1:incr:y;4000:heal&t=3500');
  const old = await logEntries(page, 3);
  const stale = old.find((e) => e.index === 2);
  assert.deepEqual(stale, { index: 2, term: 1, committed: false }, 'the old leader holds put x=1 uncommitted');
  const majority = await logEntries(page, 1);
  assert.ok(majority.find((e) => e.index === 2 && e.term === 2 && e.committed), 'the majority committed index 2 in term 2');
  await fastPlay(page);
  await waitUntil(async () => (await simMs(page)) > 4500, { timeout: 20_000, message: 'past the heal' });
  await page.getByTestId('play').click();
  await waitUntil(async () => (await logEntries(page, 3)).find((e) => e.index === 2)?.term === 2, {
    message: 'index 2 on server 3 replaced by the term-2 entry',
  });
});

browserTest('a client request sent to the leader is applied on every server', async ({ openPage }) => {
  const page = await openPage('lab=raft&v=1&seed=1&n=3&t=1500');
  const leader = (await roles(page)).find((r) => r.role === 'leader');
  assert.ok(leader, 'a leader at 1.5 s');
  await page.locator(`[data-node-id="${leader.id}"]`).click();
  await page.getByTestId('request-input').fill('x=5');
  await page.getByTestId('action-request').click();
  await waitUntil(async () => (await eventLog(page)).last?.text.includes(`cmd:${leader.id}:put:x=5`), { message: 'the request in the log' });
  await fastPlay(page);
  await waitUntil(async () => (await simMs(page)) > 1700, { timeout: 10_000, message: 'time to replicate' });
  await page.getByTestId('play').click();
  for (const id of ['0', '1', '2']) {
    await page.locator(`[data-node-id="${id}"]`).click();
    assert.match(await page.getByTestId('sel-state').innerText(), /x=5/, `server ${id} applied x=5`);
  }
  assert.match(new URL(page.url()).searchParams.get('faults') ?? '', /cmd:\d:put:x=5/);
});

browserTest('a shared Raft link opens on the same servers, terms and logs', async ({ openPage, newSession }) => {
  const page = await openPage('lab=raft&v=1&seed=4&n=5&faults=1500:crash:0;2500:cmd:1:put:k=7&t=2000');
  for (let i = 0; i < 7; i++) await page.getByTestId('step').click();
  const state = async (p) => ({ roles: await roles(p), log: await logEntries(p, 1), ms: await simMs(p), last: (await eventLog(p)).last });
  const expected = await state(page);
  await page.getByTestId('copy-link').click();
  const link = await page.getByTestId('share-url').inputValue();
  const fresh = await newSession();
  const page2 = await fresh.openPage(link);
  assert.deepEqual(await state(page2), expected);
});

/** Each range's median as the page's legend shows it ("150–300 ms: median 215 ms"). */
async function shownMedians(page) {
  const text = await page.getByTestId('exp-plot').evaluate((el) => el.textContent);
  return Object.fromEntries([...text.matchAll(/(\d+)–(\d+) ms: median (–|\d+ ms)/g)].map((m) => [`${m[1]}-${m[2]}`, m[3]]));
}

/** The same medians from the native engine: `cli experiment fig16 --runs N` (seeds 0…N−1). */
function nativeMedians(runs) {
  const csv = cli('experiment', 'fig16', '--runs', String(runs));
  const byRange = {};
  for (const line of csv.trim().split('\n').slice(1)) {
    const [range, , ms] = line.split(',');
    byRange[range] ??= [];
    if (ms !== '') byRange[range].push(Number(ms));
  }
  return Object.fromEntries(
    Object.entries(byRange).map(([range, v]) => {
      v.sort((a, b) => a - b);
      return [range, v.length ? `${Math.round(v[(v.length - 1) >> 1])} ms` : '–'];
    }),
  );
}

async function runExperiment(page, runs) {
  await page.getByTestId('exp-runs').fill(String(runs));
  await page.getByTestId('exp-run').click();
  const total = `${6 * runs}/${6 * runs}`;
  await waitUntil(async () => (await page.getByTestId('exp-done').innerText()).includes(total), {
    timeout: 60_000,
    message: `all ${6 * runs} runs`,
  });
  assert.equal(await page.getByTestId('exp-progress').getAttribute('value'), '100');
  assert.equal(await page.locator('[data-testid=exp-plot] polyline').count(), 6);
  await waitUntil(async () => page.getByTestId('exp-run').isEnabled(), { message: 'Run enabled again' });
}

browserTest('the §9.3 experiment runs in web workers and plots the medians the native engine gives', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await runExperiment(page, 30);
  assert.ok(workers.length >= 1 && workers.every((u) => u.endsWith('/ha-exp_loader.js')), `workers: ${workers}`);
  const shown = await shownMedians(page);
  assert.equal(Object.keys(shown).length, 6, JSON.stringify(shown));
  assert.deepEqual(shown, nativeMedians(30));
  // The workers stop when the run is done.
  await waitUntil(async () => page.workers().length === 0, { message: 'workers terminated' });
}, { timeout: 180_000 });

browserTest('Stop ends the experiment: its workers go, and the count stays where it stopped', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  await page.getByTestId('exp-runs').fill('5000');
  await page.getByTestId('exp-run').click();
  const count = async () => Number((await page.getByTestId('exp-done').innerText()).trim().split('/')[0]);
  await waitUntil(async () => (await count()) > 0 && page.workers().length > 0, { timeout: 30_000, message: 'runs under way in workers' });
  await page.getByTestId('exp-stop').click();
  await waitUntil(async () => page.getByTestId('exp-run').isEnabled(), { message: 'Run enabled again' });
  await waitUntil(async () => page.workers().length === 0, { message: 'workers terminated' });
  const stopped = await count();
  assert.ok(stopped > 0 && stopped < 30_000, `stopped at ${stopped}`);
  await page.waitForTimeout(500);
  assert.equal(await count(), stopped, 'nothing more is folded in after Stop');
}, { timeout: 120_000 });

browserTest('without its worker the experiment runs on the page and shows the same curves', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  await page.route('**/ha-exp_loader.js', (route) => route.abort());
  await runExperiment(page, 12);
  assert.deepEqual(await shownMedians(page), nativeMedians(12));
}, { timeout: 180_000 });

browserTest('a worker that loads but never answers: the page stops waiting and runs the experiment itself', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  await page.route('**/ha-exp_loader.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: '// loads, never answers\n' }),
  );
  // The notice shows only while the page runs the experiment, which can take less than one poll
  // of `waitUntil`: a mutation observer remembers that it appeared.
  await page.evaluate(() => {
    window.sawExpHere = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="exp-here"]')) window.sawExpHere = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('exp-runs').fill('12');
  await page.getByTestId('exp-run').click();
  await waitUntil(async () => page.evaluate(() => window.sawExpHere), {
    timeout: 30_000,
    message: 'the page says it runs the experiment itself',
  });
  await waitUntil(async () => page.workers().length === 0, { message: 'the silent workers terminated' });
  await waitUntil(async () => (await page.getByTestId('exp-done').innerText()).includes('72/72'), {
    timeout: 60_000,
    message: 'all 72 runs',
  });
  assert.deepEqual(await shownMedians(page), nativeMedians(12));
  assert.equal(await page.getByTestId('exp-here').count(), 0, 'the notice goes when the run ends');
}, { timeout: 180_000 });

browserTest('on a phone the experiment\'s run count stays on the progress bar\'s line', async ({ session }) => {
  const { page, close } = await pageAt(session, 'phone', 'lab=raft');
  await page.getByTestId('exp-runs').fill('1000');
  await page.getByTestId('exp-run').click();
  await waitUntil(async () => (await page.getByTestId('exp-done').innerText()).includes('6000/6000'), {
    timeout: 60_000,
    message: 'all 6000 runs',
  });
  const [bar, count] = await Promise.all([page.getByTestId('exp-progress').boundingBox(), page.getByTestId('exp-done').boundingBox()]);
  // One line: the count starts right of the bar and overlaps it vertically; one line of text.
  assert.ok(count.x >= bar.x + bar.width - 1, `count at x=${count.x}, bar ends at ${bar.x + bar.width}`);
  assert.ok(count.y < bar.y + bar.height && bar.y < count.y + count.height, `bar ${JSON.stringify(bar)}, count ${JSON.stringify(count)}`);
  assert.ok(count.height < 2 * bar.height + 12, `the count is one line: ${count.height}px`);
  await close();
}, { timeout: 120_000 });

browserTest('a buggy-Raft preset trips its invariant; the correct version does not', async ({ openPage }) => {
  const page = await openPage('lab=raft');
  await choosePreset(page, 'raft-figure8');
  await waitUntil(async () => (await simMs(page)) === 700, { message: 'the Figure 8 preset at 700 ms' });
  assert.equal(await page.locator('[data-testid=invariants] [data-ok=false]').count(), 0, 'correct Raft keeps every invariant');
  await choosePreset(page, 'raft-bug-oldterm');
  await waitUntil(async () => (await page.locator('[data-invariant="Leader Completeness"]').getAttribute('data-ok')) === 'false', {
    message: 'Leader Completeness broken',
  });
  assert.match(await page.getByTestId('violations').innerText(), /Leader Completeness/);
  assert.equal(await page.getByTestId('param-bug-oldterm').isChecked(), true, 'the toggle shows the bug');
});

browserTest('link clicks cut and restore; timeout, transfer and membership buttons act', async ({ openPage }) => {
  const page = await openPage('lab=raft&v=1&seed=1&n=3&spare=1&t=1500');
  const leader = (await roles(page)).find((r) => r.role === 'leader' && r.status === 'up');
  assert.ok(leader, 'a leader at 1.5 s');
  // Cut the pair 0-1 by clicking its link, then restore it. The click is dispatched on the link
  // itself: a message dot passing the link's middle at that instant would take a positional click.
  await page.locator('[data-link="0-1"] line.hit').dispatchEvent('click');
  await waitUntil(async () => (await page.locator('[data-link="0-1"] line.link.cut').count()) === 2, { message: 'both directions cut' });
  await page.locator('[data-link="0-1"] line.hit').dispatchEvent('click');
  await waitUntil(async () => (await page.locator('[data-link="0-1"] line.link.cut').count()) === 0, { message: 'restored' });
  // Membership: the leader adds the spare server 3.
  await page.locator(`[data-node-id="${leader.id}"]`).click();
  await page.getByTestId('action-add-3').click();
  await fastPlay(page);
  await waitUntil(async () => (await page.locator('[data-node-id="3"]').getAttribute('data-member')) === 'true', {
    timeout: 15_000,
    message: 'server 3 joins the configuration',
  });
  await page.getByTestId('play').click();
  // Transfer leadership to another member.
  const now = (await roles(page)).find((r) => r.role === 'leader' && r.status === 'up');
  const target = ['0', '1', '2'].find((id) => id !== now.id);
  await page.locator(`[data-node-id="${now.id}"]`).click();
  await page.getByTestId(`action-transfer-${target}`).click();
  await page.getByTestId('play').click();
  await waitUntil(async () => (await roles(page)).find((r) => r.id === target)?.role === 'leader', {
    timeout: 15_000,
    message: `server ${target} leads after the transfer`,
  });
  await page.getByTestId('play').click();
  // Force an election timeout on a follower: it becomes a candidate at once (or wins).
  const follower = (await roles(page)).find((r) => r.role === 'follower' && r.status === 'up');
  await page.locator(`[data-node-id="${follower.id}"]`).click();
  await page.getByTestId('action-timeout').click();
  await waitUntil(async () => ['candidate', 'leader'].includes((await roles(page)).find((r) => r.id === follower.id)?.role), {
    message: 'the timed-out follower campaigns',
  });
  const faults = new URL(page.url()).searchParams.get('faults') ?? '';
  for (const part of ['cut:0>1', 'restore:0>1', 'add:3', 'transfer:', ':timeout']) assert.ok(faults.includes(part), `${part} in ${faults}`);
});

browserTest('a step back keeps each arrow of the sequence diagram on its element and where it is drawn, and each message dot on its element', async ({ openPage }) => {
  const page = await openPage('lab=raft&n=5&t=5000');
  const at = (await eventLog(page)).last.step;
  const back = async () => {
    await page.getByTestId('step-back').click();
    await waitUntil(async () => (await eventLog(page)).last?.step < at, { message: 'one step back' });
  };
  // Each arrow by its tooltip, with its line's ends: a step back slides the window (one transform
  // on the arrows' group), the arrows themselves stay where they are drawn.
  const ends = () => page.$$eval('[data-testid=sequence] .seq-msg', (els) => Object.fromEntries(
    els.map((el) => [el.querySelector('title').textContent, ['y1', 'y2'].map((a) => el.querySelector('line').getAttribute(a)).join(' ')]),
  ));
  const drawn = await ends();
  const arrows = await drawnInPlace(page, '[data-testid=sequence] .seq-msg', "(el) => el.querySelector('title').textContent", back);
  assert.ok(arrows.both > 10, `arrows drawn before and after: ${arrows.both}`);
  assert.equal(arrows.kept, arrows.both, 'every arrow still in the diagram keeps its element');
  const now = await ends();
  const moved = Object.keys(drawn).filter((k) => k in now && drawn[k] !== now[k]);
  assert.deepEqual(moved, [], 'a step back moves the window, not the arrows');
  const at2 = (await eventLog(page)).last.step;
  const dots = await drawnInPlace(page, '[data-testid=cluster] .msg[data-msg-id]', "(el) => el.getAttribute('data-msg-id')", async () => {
    await page.getByTestId('step-back').click();
    await waitUntil(async () => (await eventLog(page)).last?.step < at2, { message: 'another step back' });
  });
  assert.ok(dots.both > 0, 'some message dot in flight before and after');
  assert.equal(dots.kept, dots.both, `every message dot in flight before and after keeps its element (${dots.both})`);
});
