// The classroom layer (issue 14): presenter mode, embed mode inside an iframe, dark and light
// themes, the ARIA live region, the stage exported as SVG and PNG, and a lesson carried in a
// link (`lessonfile=`). Each is driven as a user would: clicks, keys, links.
import assert from 'node:assert/strict';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, APP_READY, browserTest, simMs, waitUntil, isPlaying, setRange } from './lib.mjs';

const params = (page) => Object.fromEntries(new URL(page.url()).searchParams);
const rootHas = (page, attr) => page.evaluate((a) => document.documentElement.hasAttribute(a), attr);
const opacity = (loc) => loc.evaluate((el) => Number(getComputedStyle(el).opacity));

browserTest('presenter mode: a toggle kept in the link, the stage fills the screen, controls show on hover, keys still drive', async ({ openPage }) => {
  const page = await openPage('lab=raft&seed=3');
  await page.setViewportSize({ width: 1280, height: 720 });
  const toggle = page.getByTestId('present');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.click();
  await waitUntil(() => rootHas(page, 'data-present'), { message: 'presenter mode on' });
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.equal(params(page).present, '1', 'kept in the link');
  // The header is gone and the stage takes the whole screen.
  assert.equal(await page.locator('header.top').isVisible(), false);
  const box = await page.getByTestId('stage').boundingBox();
  assert.ok(box.height >= 700 && box.width >= 1240, `stage ${JSON.stringify(box)}`);
  // Large type: the lesson/caption text is at least 20 px, every stage text at least 14 px as drawn.
  const smallest = await page.evaluate(() => {
    let min = 99;
    for (const t of document.querySelectorAll('[data-testid=stage] svg text')) {
      if (!t.textContent.trim()) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * (t.ownerSVGElement.getScreenCTM()?.a ?? 1);
      min = Math.min(min, px);
    }
    return min;
  });
  assert.ok(smallest >= 14, `smallest stage text ${smallest}px`);
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px');
  // The player is hidden until hovered (or focused).
  const controls = page.locator('.controls');
  await page.mouse.move(640, 360);
  await waitUntil(async () => (await opacity(controls)) === 0, { message: 'controls hidden' });
  await controls.hover();
  await waitUntil(async () => (await opacity(controls)) === 1, { message: 'controls shown on hover' });
  await page.mouse.move(640, 360);
  // The keyboard still drives: → steps, Space plays and pauses.
  await page.evaluate(() => document.activeElement?.blur());
  const before = Number((await page.getByTestId('step-count').textContent()).match(/\d+/)[0]);
  await page.keyboard.press('ArrowRight');
  await waitUntil(async () => Number((await page.getByTestId('step-count').textContent()).match(/\d+/)[0]) === before + 1, { message: 'stepped by key' });
  await page.keyboard.press(' ');
  await waitUntil(() => isPlaying(page), { message: 'playing by key' });
  await page.keyboard.press(' ');
  await waitUntil(async () => !(await isPlaying(page)), { message: 'paused by key' });
  // The address bar keeps present=1 after the run changes, and a reload opens in presenter mode.
  assert.equal(params(page).present, '1');
  await page.reload();
  await page.locator(APP_READY).first().waitFor({ state: 'attached' });
  assert.ok(await rootHas(page, 'data-present'));
  // Tab reaches the toggle (the head shows while focused); leaving drops the key.
  await page.getByTestId('present').focus();
  await waitUntil(async () => (await opacity(page.locator('.lab-head'))) === 1, { message: 'head shown while focused' });
  await page.getByTestId('present').click();
  await waitUntil(async () => !(await rootHas(page, 'data-present')), { message: 'presenter mode off' });
  assert.equal(params(page).present, undefined);
  assert.equal(await page.locator('header.top').isVisible(), true);
});

browserTest('presenter mode walks a lesson by keyboard and keeps present=1 on every step', async ({ openPage }) => {
  const page = await openPage('lab=raft&lesson=raft-election&step=1&present=1');
  await page.getByTestId('lesson-panel').waitFor();
  assert.ok(await rootHas(page, 'data-present'));
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('n');
  await waitUntil(async () => (await page.getByTestId('lesson-step').textContent()) === '2 / 4', { timeout: 20_000, message: 'step 2' });
  // The address bar follows once the step's run has been replayed to its position.
  await waitUntil(async () => params(page).step === '2', { timeout: 20_000, message: 'step=2 in the address bar' });
  assert.equal(params(page).present, '1');
  await page.keyboard.press('p');
  await waitUntil(async () => (await page.getByTestId('lesson-step').textContent()) === '1 / 4', { timeout: 20_000, message: 'back to step 1' });
  assert.equal(params(page).present, '1');
});

browserTest('embed mode works inside an iframe on another page: the stage, the player, the caption and a way out', async ({ openPage, session }) => {
  const first = await openPage('');
  const origin = new URL(first.url()).origin;
  const host = await session.context.newPage();
  await host.setViewportSize({ width: 900, height: 700 });
  const src = `${origin}/?lab=raft&seed=5&notes=0:Watch%20the%20election&embed=1`;
  await host.setContent(`<!doctype html><title>A blog post</title><p>Raft, live:</p>
    <iframe src="${src}" width="640" height="420" title="Raft election" style="border:1px solid #999"></iframe>`);
  const frame = host.frameLocator('iframe');
  await frame.locator(APP_READY).first().waitFor({ state: 'attached' });
  // Just the stage, the player and the caption.
  await frame.getByTestId('stage').waitFor();
  assert.equal(await frame.locator('header.top').isVisible(), false);
  assert.equal(await frame.locator('.lab-body .side').first().isVisible(), false);
  assert.equal(await frame.getByTestId('event-log').isVisible(), false);
  assert.equal(await frame.getByTestId('presets').isVisible(), false);
  assert.ok(await frame.getByTestId('play').isVisible());
  assert.match(await frame.getByTestId('caption').textContent(), /Watch the election/);
  const stage = await frame.getByTestId('stage').boundingBox();
  assert.ok(stage.height >= 250 && stage.width >= 600, `stage in the iframe ${JSON.stringify(stage)}`);
  // Nothing wider than the iframe.
  const inner = host.frames().find((f) => f.url().includes('embed=1'));
  assert.ok(inner, 'the iframe page');
  assert.ok(await inner.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1));
  // The player plays inside the iframe.
  await frame.getByTestId('play').click();
  await waitUntil(async () => Number(await frame.getByTestId('sim-time').getAttribute('data-ms')) > 200, {
    timeout: 20_000,
    message: 'the run plays in the iframe',
  });
  await frame.getByTestId('play').click();
  // The way out: the same run without embed, in a new tab.
  const out = frame.getByTestId('open-playground');
  assert.ok(await out.isVisible());
  const [tab] = await Promise.all([session.context.waitForEvent('page'), out.click()]);
  await tab.waitForLoadState();
  const q = Object.fromEntries(new URL(tab.url()).searchParams);
  assert.equal(q.embed, undefined);
  assert.equal(q.lab, 'raft');
  assert.equal(q.seed, '5');
  assert.ok(Number(q.t) > 200, `the link carries the position: ${tab.url()}`);
  await tab.locator(APP_READY).first().waitFor({ state: 'attached' });
  assert.equal(await tab.locator('header.top').isVisible(), true);
});

browserTest('themes: the system dark scheme is followed, the switch is kept in this browser, theme= in a link wins, bad view values are named', async ({ openPage }) => {
  let page = await openPage('lab=heartbeat');
  assert.equal(await rootHas(page, 'data-dark'), false, 'light by default');
  // The system turns dark: followed live.
  await page.emulateMedia({ colorScheme: 'dark' });
  await waitUntil(() => rootHas(page, 'data-dark'), { message: 'dark from prefers-color-scheme' });
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(16, 19, 23)');
  assert.equal(await page.getByTestId('theme').inputValue(), 'auto');
  // Light by the switch: kept in this browser (localStorage) across pages.
  await page.getByTestId('theme').selectOption('light');
  await waitUntil(async () => !(await rootHas(page, 'data-dark')), { message: 'light' });
  assert.equal(await page.evaluate(() => localStorage.getItem('ha-theme')), 'light');
  page = await openPage('lab=raft');
  assert.equal(await rootHas(page, 'data-dark'), false);
  assert.equal(await page.getByTestId('theme').inputValue(), 'light');
  // A link's theme= wins (an embed in a dark slide deck).
  page = await openPage('lab=raft&theme=dark');
  assert.ok(await rootHas(page, 'data-dark'));
  assert.equal(params(page).theme, 'dark', 'kept in the address bar');
  // Every node keeps a visible outline on the dark stage.
  const strokes = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=stage] [data-node-id] .body')].map((b) => getComputedStyle(b).stroke),
  );
  assert.ok(strokes.length === 5 && strokes.every((c) => c !== 'none'), strokes.join());
  // Choosing on the switch drops theme= from the link.
  await page.getByTestId('theme').selectOption('auto');
  await waitUntil(() => !page.url().includes('theme='), { message: 'theme= dropped' });
  assert.ok(await rootHas(page, 'data-dark'), 'auto: the system is dark');
  // Bad view values are named in the banner, and left off.
  page = await openPage('lab=raft&theme=blue&present=2&embed=yes');
  for (const k of ['theme', 'present', 'embed']) {
    await page.locator(`[data-testid=error-banner] li[data-param=${k}]`).waitFor();
  }
  assert.equal(await rootHas(page, 'data-present'), false);
});

browserTest('the live region announces the run while playing, at most about once a second, and stays quiet while scrubbing', async ({ openPage }) => {
  const page = await openPage('lab=raft&seed=3');
  const live = page.getByTestId('announce');
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  // Count the announcements over time.
  await page.evaluate(() => {
    window.said = [];
    const el = document.querySelector('[data-testid=announce]');
    new MutationObserver(() => window.said.push([performance.now(), el.textContent])).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.getByTestId('play').click();
  await waitUntil(async () => /wins the election|candidate/.test(await live.textContent()), {
    timeout: 20_000,
    message: 'an election announced',
  });
  await page.waitForTimeout(3000);
  await page.getByTestId('play').click();
  const said = await page.evaluate(() => window.said);
  assert.ok(said.length >= 2, `announcements: ${JSON.stringify(said)}`);
  for (let i = 1; i < said.length; i++) {
    assert.ok(said[i][0] - said[i - 1][0] >= 900, `two announcements ${said[i][0] - said[i - 1][0]} ms apart: ${JSON.stringify(said)}`);
  }
  assert.match(said.at(-1)[1], /^\d[\d.]*ms: /);
  // Scrubbing says nothing; one step says its event.
  const quiet = await page.evaluate(() => window.said.length);
  await setRange(page, 'timeline', 800);
  await setRange(page, 'timeline', 1200);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.said.length), quiet, 'quiet while scrubbing');
  await page.getByTestId('step').click();
  await waitUntil(async () => (await page.evaluate(() => window.said.length)) > quiet, { message: 'a step is announced' });
  assert.match(await live.textContent(), /ms: /);

  // The ring lab's events are its operations.
  await openPage('lab=ring&n=10&vn=160&ops=1000:add:n10&t=900');
  await page.getByTestId('play').click();
  await waitUntil(async () => /1000ms: add:n10/.test(await page.getByTestId('announce').textContent()), {
    timeout: 20_000,
    message: 'the ring operation announced',
  });
});

browserTest('export the stage as a standalone SVG (parses, has every node, looks the same outside the page) and as a PNG', async ({ openPage, session }) => {
  const dir = await mkdtemp(join(tmpdir(), 'ha-classroom-'));
  const page = await openPage('lab=raft&seed=3&t=1500');
  const stageFill = await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=stage] [data-node-id] .body')).fill);
  await page.getByTestId('file-menu').locator('summary').click();
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
  assert.match(svgDl.suggestedFilename(), /^ha-raft-seed3-t1500\.svg$/);
  const svgFile = join(dir, 'stage.svg');
  await svgDl.saveAs(svgFile);
  const svg = await readFile(svgFile, 'utf8');
  assert.ok(svg.length < 2_000_000, `${svg.length} bytes`);
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: doc.documentElement.localName,
      nodes: [...doc.querySelectorAll('[data-node-id]')].map((n) => n.getAttribute('data-node-id')),
      unstyled: [...doc.querySelectorAll('circle, rect, path, line, text')].filter((e) => !e.getAttribute('style') && !e.getAttribute('fill')).length,
    };
  }, svg);
  assert.equal(parsed.error, null);
  assert.equal(parsed.root, 'svg');
  assert.equal(parsed.unstyled, 0, 'every shape carries its style');
  assert.deepEqual(parsed.nodes.sort(), ['0', '1', '2', '3', '4']);
  // Outside the page (no style sheet): the same colours.
  const alone = await session.context.newPage();
  await alone.goto(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
  const aloneFill = await alone.evaluate(() => getComputedStyle(document.querySelector('[data-node-id] .body')).fill);
  assert.equal(aloneFill, stageFill);
  await alone.close();

  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
  assert.match(pngDl.suggestedFilename(), /\.png$/);
  const pngFile = join(dir, 'stage.png');
  await pngDl.saveAs(pngFile);
  const png = await readFile(pngFile);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'a PNG signature');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const box = await page.locator('[data-testid=stage] svg').first().boundingBox();
  assert.equal(width, Math.round(box.width) * 2);
  assert.equal(height, Math.round(box.height) * 2);
  assert.ok(png.length > 10_000, `${png.length} bytes: a drawn picture, not a blank one`);
});

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

browserTest('a lesson carried in a link (lessonfile=) opens, walks, stays in the address bar; a bad one is named', async ({ openPage }) => {
  const lesson = JSON.parse(await readFile(join(ROOT, 'engine/src/lesson/builtin/raft-election.json'), 'utf8'));
  lesson.id = 'my-class';
  lesson.title = 'My own election class';
  lesson.steps[0].title = 'Hello class';
  const value = b64url(lesson);
  const page = await openPage(`lab=raft&lessonfile=${value}`);
  await page.getByTestId('lesson-panel').waitFor();
  assert.match(await page.getByTestId('lesson-panel').textContent(), /My own election class/);
  assert.equal(await page.getByTestId('lesson-step-title').textContent(), 'Hello class');
  await page.getByTestId('lesson-next').click();
  await waitUntil(async () => (await page.getByTestId('lesson-step').textContent()) === '2 / 4', { timeout: 20_000, message: 'step 2' });
  assert.equal(params(page).lessonfile, value);
  assert.equal(params(page).step, '2');
  // The home page routes a lab-less lesson link to its step's lab.
  await openPage(`lessonfile=${value}&step=3`);
  await page.getByTestId('lesson-panel').waitFor();
  assert.equal(params(page).lab, 'raft');
  assert.equal(await page.getByTestId('lesson-step').textContent(), '3 / 4');
  // Bad values: named in the banner, the lesson off, the rest of the link still read.
  await openPage('lab=raft&seed=9&lessonfile=not*base64');
  await page.locator('[data-testid=error-banner] li[data-param=lessonfile]').waitFor();
  assert.equal(await page.getByTestId('lesson-panel').count(), 0);
  assert.equal(await page.getByTestId('seed').inputValue(), '9');
  await openPage(`lab=raft&lessonfile=${b64url({ format: 'ha-lesson/1', id: 'x', title: 'x', steps: [] })}`);
  assert.match(await page.locator('[data-testid=error-banner] li[data-param=lessonfile]').textContent(), /needs a step/);
  // A lesson imported from a file is put in the address bar, so the link shares it.
  const dir = await mkdtemp(join(tmpdir(), 'ha-classroom-'));
  const file = join(dir, 'lesson.json');
  await (await import('node:fs/promises')).writeFile(file, JSON.stringify(lesson));
  await openPage('lab=raft');
  await page.getByTestId('import-json').setInputFiles(file);
  await page.getByTestId('lesson-panel').waitFor();
  await waitUntil(() => params(page).lessonfile !== undefined, { message: 'lessonfile in the address bar' });
  assert.equal(params(page).step, '1');
});
