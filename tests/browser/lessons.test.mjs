// The teaching layer (issue 14): lessons opened from the home page and walked both ways by
// keyboard and buttons (each step at exactly its link's state), "predict, then see", bad lesson
// links, captions from a link and from the editor, a fresh random seed, export → import.
import assert from 'node:assert/strict';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, browserTest, simMs, waitUntil, isPlaying } from './lib.mjs';

const lessonFile = async (id) =>
  JSON.parse(await readFile(join(ROOT, 'engine/src/lesson/builtin', `${id}.json`), 'utf8'));

/** What the stage shows: time, event count and every node's role/status/term. */
async function state(page) {
  return {
    ms: await simMs(page),
    events: await page.getByTestId('step-count').textContent(),
    nodes: await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=stage] [data-node-id]')].map((el) =>
        [el.getAttribute('data-node-id'), el.getAttribute('data-role'), el.getAttribute('data-status'), el.getAttribute('data-term')].join(':'),
      ),
    ),
  };
}

const params = (page) => Object.fromEntries(new URL(page.url()).searchParams);

async function stepIs(page, text) {
  await waitUntil(async () => (await page.getByTestId('lesson-step').textContent()) === text, {
    message: `lesson step ${text}`,
  });
}

browserTest('a lesson opens from the home index and walks forward and back, each step at its link', async ({ openPage, newSession }) => {
  const lesson = await lessonFile('raft-election');
  // The state each step's own scenario link opens at, in a separate page.
  const other = await newSession();
  const expected = [];
  for (const st of lesson.steps) {
    const p = await other.openPage(st.link);
    expected.push(await state(p));
  }

  const page = await openPage('');
  await page.getByTestId('lesson-link-raft-election').click();
  await page.getByTestId('lesson-panel').waitFor();
  await stepIs(page, '1 / 4');
  assert.deepEqual(params(page), { lab: 'raft', lesson: 'raft-election', step: '1' });
  assert.deepEqual(await state(page), expected[0]);
  assert.match(await page.getByTestId('lesson-text').textContent(), /followers/);

  // Next by button: step 2 holds the run until its question is answered.
  await page.getByTestId('lesson-next').click();
  await stepIs(page, '2 / 4');
  assert.equal(params(page).step, '2');
  assert.deepEqual(await state(page), expected[1]);
  await page.getByTestId('play').click();
  await page.getByTestId('step').click();
  assert.equal(await isPlaying(page), false, 'held until answered');
  assert.equal(await simMs(page), 1900);
  assert.match(await page.getByTestId('notice').textContent(), /Answer the question/);
  assert.equal(await page.getByTestId('lesson-goal').getAttribute('data-met'), 'false');
  const choices = page.getByTestId('lesson-choice');
  assert.equal(await choices.count(), 3);
  await choices.nth(1).click();
  await page.getByTestId('lesson-explanation').waitFor();
  assert.match(await page.getByTestId('lesson-explanation').textContent(), /^Right\./);
  // The run plays to the reveal (2 600 ms) and stops there; the goal is met.
  await waitUntil(async () => (await simMs(page)) === 2600 && !(await isPlaying(page)), {
    timeout: 30_000,
    message: 'played to the reveal',
  });
  assert.equal(await page.getByTestId('lesson-goal').getAttribute('data-met'), 'true');

  // Keyboard: n forward, p back — Back restores the previous step's exact state.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('n');
  await stepIs(page, '3 / 4');
  assert.deepEqual(await state(page), expected[2]);
  await page.keyboard.press('p');
  await stepIs(page, '2 / 4');
  assert.deepEqual(await state(page), expected[1]);
  assert.equal(await page.getByTestId('lesson-explanation').count(), 0, 'the question is asked again');
  await page.keyboard.press('PageDown');
  await stepIs(page, '3 / 4');
  await page.keyboard.press('PageDown');
  await stepIs(page, '4 / 4');
  assert.deepEqual(await state(page), expected[3]);
  assert.equal(await page.getByTestId('lesson-next').isDisabled(), true);
  await page.keyboard.press('PageUp');
  await stepIs(page, '3 / 4');
  await page.getByTestId('lesson-back').click();
  await page.getByTestId('lesson-back').click();
  await stepIs(page, '1 / 4');
  assert.deepEqual(await state(page), expected[0]);
  assert.equal(await page.getByTestId('lesson-back').isDisabled(), true);

  // A step link opens that step directly.
  const direct = await (await newSession()).openPage('lab=raft&lesson=raft-election&step=3');
  await stepIs(direct, '3 / 4');
  assert.deepEqual(await state(direct), expected[2]);
});

browserTest('every lab has a lesson in the home index that opens on its page', async ({ openPage }) => {
  const page = await openPage('');
  const ids = await page.locator('[data-testid^=lesson-link-]').evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-testid').slice('lesson-link-'.length), new URL(e.href).searchParams.get('lab')]),
  );
  const labs = new Set(ids.map(([, lab]) => lab));
  // Every lab of the loader list in index.html (the registry's labs).
  const html = await readFile(join(ROOT, 'index.html'), 'utf8');
  const registered = JSON.parse(html.match(/const labs = (\[[^\]]*\])/)[1]);
  assert.deepEqual([...labs].sort(), [...registered].sort());
  assert.ok(ids.length >= 10, `${ids.length} lessons`);
  for (const [id, lab] of ids) {
    await openPage(`lab=${lab}&lesson=${id}&step=2`);
    await stepIs(page, `2 / ${(await lessonFile(id)).steps.length}`);
    assert.equal(await page.getByTestId('error-banner').count(), 0, `${id} opens without a problem`);
  }
});

browserTest('a bad lesson or step is named in the banner with a safe default', async ({ openPage }) => {
  let page = await openPage('lab=raft&lesson=nope&step=2&seed=4');
  await page.getByTestId('error-banner').waitFor();
  assert.match(await page.locator('[data-testid=error-banner] li[data-param=lesson]').textContent(), /no lesson 'nope'.*lesson off/);
  assert.equal(await page.getByTestId('lesson-panel').count(), 0);
  assert.equal(await page.getByTestId('seed').inputValue(), '4', 'the rest of the link is kept');
  page = await openPage('lab=raft&lesson=raft-election&step=99');
  assert.match(await page.locator('[data-testid=error-banner] li[data-param=step]').textContent(), /showing step 1/);
  await stepIs(page, '1 / 4');
});

browserTest('captions from a link appear at their time and are edited in the page', async ({ openPage }) => {
  const page = await openPage('lab=raft&notes=500:First%20caption;1500:Then%20this');
  assert.equal(await page.getByTestId('caption').count(), 0, 'nothing at 0 ms');
  await page.getByTestId('timeline').evaluate((el) => {
    el.value = '600';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await waitUntil(async () => (await page.getByTestId('caption').count()) === 1, { message: 'first caption' });
  assert.equal(await page.getByTestId('caption').textContent(), 'First caption');
  await page.getByTestId('timeline').evaluate((el) => {
    el.value = '1600';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await waitUntil(async () => (await page.getByTestId('caption').textContent()) === 'Then this', { message: 'second caption' });

  // Add one at the current time (1 600 ms); it shows and goes into the link; remove it again.
  await page.getByTestId('captions').locator('summary').click();
  await page.getByTestId('caption-text').fill('Mine; with a semicolon');
  await page.getByTestId('caption-add').click();
  await waitUntil(async () => (await page.getByTestId('caption').textContent()) === 'Mine; with a semicolon', { message: 'own caption' });
  await waitUntil(() => params(page).notes === '500:First caption;1500:Then this;1600:Mine\\; with a semicolon', {
    message: `notes in the link (${page.url()})`,
  });
  assert.equal(await page.getByTestId('caption-entry').count(), 3);
  await page.getByTestId('caption-remove').nth(0).click();
  await waitUntil(() => params(page).notes === '1500:Then this;1600:Mine\\; with a semicolon', { message: 'removed' });

  // A bad caption in a link is named and skipped.
  const bad = await openPage('lab=raft&notes=x:oops;700:fine');
  assert.match(await bad.locator('[data-testid=error-banner] li[data-param=notes]').textContent(), /caption 'x:oops' ignored/);
});

browserTest('a new seed changes only the seed', async ({ openPage }) => {
  const page = await openPage('lab=ring&seed=1&vn=50&ops=1000:add:n5');
  const before = params(page);
  await page.getByTestId('new-seed').click();
  await waitUntil(() => params(page).seed !== before.seed, { message: 'a new seed' });
  const after = params(page);
  assert.match(after.seed, /^\d+$/);
  assert.deepEqual({ ...after, seed: before.seed }, before);
});

browserTest('export-json then import-json gives the same run, with its lesson', async ({ openPage }) => {
  const dir = await mkdtemp(join(tmpdir(), 'ha-lessons-'));
  const page = await openPage('lab=raft&seed=3&faults=2000:crash:3&notes=100:hi&t=2500');
  const before = await state(page);
  const url = page.url();
  await page.getByTestId('file-menu').locator('summary').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const file = join(dir, 'run.json');
  await download.saveAs(file);
  const saved = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(saved.format, 'ha-playground/1');

  const csvDl = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvFile = join(dir, 'run.csv');
  await csvDl[0].saveAs(csvFile);
  const [head, row] = (await readFile(csvFile, 'utf8')).trim().split('\n');
  assert.ok(head.startsWith('time_ms,leader,term'), head);
  assert.ok(row.startsWith('2500,'), row);

  await openPage('lab=raft');
  await page.getByTestId('import-json').setInputFiles(file);
  await waitUntil(() => page.url() === url, { message: `same link (${page.url()} vs ${url})` });
  assert.deepEqual(await state(page), before);

  // Inside a lesson: the file carries the lesson and its step.
  await openPage('lab=raft&lesson=raft-replication&step=2');
  await page.getByTestId('file-menu').locator('summary').click();
  const [d2] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const f2 = join(dir, 'lesson.json');
  await d2.saveAs(f2);
  const inLesson = await state(page);
  await openPage('lab=raft');
  await page.getByTestId('import-json').setInputFiles(f2);
  await stepIs(page, '2 / 3');
  assert.deepEqual(await state(page), inLesson);

  // A broken file is named in the banner and nothing changes.
  const junk = join(dir, 'junk.json');
  await (await import('node:fs/promises')).writeFile(junk, '{"format": "ha-playground/1", "link": 5');
  await page.getByTestId('import-json').setInputFiles(junk);
  await page.locator('[data-testid=error-banner] li[data-param=import]').waitFor();
  await stepIs(page, '2 / 3');
});

browserTest('a lesson link without a lab opens its step on the right page', async ({ openPage }) => {
  const page = await openPage('lesson=ring-vs-modn&step=2');
  await waitUntil(() => params(page).lab === 'ring', { message: `routed (${page.url()})` });
  await page.getByTestId('lesson-panel').waitFor();
  await stepIs(page, '2 / 2');
});
