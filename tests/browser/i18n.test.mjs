// English and 简体中文 (issue 14): `lang=zh` in a link, the language select in the header (it
// keeps the run), the browser's language as the default, a lesson walked by keyboard in Chinese,
// a Chinese page on a phone and in presenter mode. The table itself is kept complete by
// tests/i18n.rs.
import assert from 'node:assert/strict';
import { APP_READY, browserTest, simMs, waitUntil } from './lib.mjs';

const params = (page) => Object.fromEntries(new URL(page.url()).searchParams);
const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);
const text = async (page, id) => (await page.getByTestId(id).first().textContent()).trim();
const han = /[\u4e00-\u9fff]/;

browserTest('a lesson in Chinese (lang=zh) is walked forward and back by keyboard', async ({ openPage }) => {
  const page = await openPage('lab=raft&lesson=raft-election&step=1&lang=zh');
  await page.getByTestId('lesson-panel').waitFor();
  assert.equal(await htmlLang(page), 'zh-CN');
  assert.equal(await text(page, 'lesson-step-title'), '所有服务器都从跟随者开始');
  assert.match(await text(page, 'lesson-text'), /选举计时器/);
  assert.equal(await text(page, 'play'), '▶ 播放');
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('n');
  await waitUntil(async () => (await text(page, 'lesson-step')) === '2 / 4', { message: 'step 2' });
  assert.equal(await text(page, 'lesson-step-title'), '领导者崩溃');
  assert.equal(params(page).lang, 'zh', 'the step link keeps lang=zh');
  // The question and its choices are Chinese too.
  assert.match(await page.getByTestId('lesson-question').textContent(), /服务器 3 在 2 s 时崩溃/);
  await page.keyboard.press('n');
  await waitUntil(async () => (await text(page, 'lesson-step')) === '3 / 4', { message: 'step 3' });
  assert.equal(await text(page, 'lesson-step-title'), '选票瓜分');
  await page.keyboard.press('p');
  await page.keyboard.press('p');
  await waitUntil(async () => (await text(page, 'lesson-step')) === '1 / 4', { message: 'back to step 1' });
  assert.equal(await text(page, 'lesson-step-title'), '所有服务器都从跟随者开始');
});

browserTest('the language select switches the page and keeps the run', async ({ openPage }) => {
  const page = await openPage('lab=raft&seed=3&faults=2000:crash:3&t=1500');
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.getByTestId('lang').inputValue(), 'en');
  assert.equal(await text(page, 'play'), '▶ Play');
  const at = await simMs(page);
  await page.getByTestId('lang').selectOption('zh');
  await waitUntil(async () => (await htmlLang(page).catch(() => '')) === 'zh-CN', { message: 'reloaded in Chinese' });
  await page.locator(APP_READY).first().waitFor({ state: 'attached' });
  await waitUntil(async () => (await text(page, 'play')) === '▶ 播放', { message: 'Chinese labels' });
  const p = params(page);
  assert.equal(p.lang, 'zh');
  assert.equal(p.seed, '3');
  assert.equal(p.faults, '2000:crash:3');
  assert.equal(await simMs(page), at, 'the same position');
  assert.equal(await page.getByTestId('lang').inputValue(), 'zh');
  assert.match(await page.locator('h1').first().textContent(), han);
  // Back to English: remembered in this browser, and the link says so.
  await page.getByTestId('lang').selectOption('en');
  await waitUntil(async () => (await htmlLang(page).catch(() => '')) === 'en', { message: 'reloaded in English' });
  await page.locator(APP_READY).first().waitFor({ state: 'attached' });
  await waitUntil(async () => (await text(page, 'play')) === '▶ Play', { message: 'English labels' });
  assert.equal(params(page).lang, 'en');
  assert.equal(await page.evaluate(() => localStorage.getItem('ha-lang')), 'en');
  assert.equal(await simMs(page), at);
});

browserTest('the browser language picks Chinese; a stored choice and the link win over it', async ({ session }) => {
  const ctx = await session.context.browser().newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    await page.goto(`${session.origin}/?lab=lb`);
    await page.locator(APP_READY).first().waitFor({ state: 'attached' });
    assert.equal(await htmlLang(page), 'zh-CN');
    await waitUntil(async () => han.test(await page.getByTestId('play').textContent()), { message: 'Chinese by default' });
    // The home page: labs, presets and lessons in Chinese.
    await page.goto(`${session.origin}/`);
    await page.locator(APP_READY).first().waitFor({ state: 'attached' });
    assert.match(await page.getByTestId('lesson-link-raft-election').textContent(), /领导者选举/);
    assert.match(await page.getByTestId('lab-link-ring').textContent(), /一致性哈希/);
    // A link's lang=en wins over the browser's language.
    await page.goto(`${session.origin}/?lab=lb&lang=en`);
    await page.locator(APP_READY).first().waitFor({ state: 'attached' });
    assert.equal(await htmlLang(page), 'en');
    assert.equal((await page.getByTestId('play').textContent()).trim(), '▶ Play');
  } finally {
    await ctx.close();
  }
});

browserTest('lang=zh on a phone and in presenter mode', async ({ openPage }) => {
  const page = await openPage('lab=lb&lang=zh');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByTestId('lang').waitFor();
  assert.equal(await page.getByTestId('lang').inputValue(), 'zh');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  assert.equal(await text(page, 'play'), '▶ 播放');
  // Presenter mode, a lesson step of another lab.
  await openPage('lab=ring&lesson=ring-vnodes&step=1&lang=zh&present=1');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByTestId('lesson-panel').waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.hasAttribute('data-present')));
  assert.equal(await text(page, 'lesson-step-title'), '每台服务器一个点');
  assert.match(await page.getByTestId('lesson-question').textContent(), /最忙的服务器/);
});

// Every word a Chinese page draws on the stage is Chinese (issue 14): the SVG's text, every
// aria-label and tooltip, and the stage's other text, in each lab's default scenario and in a
// preset with a fault. A run of three or more Latin letters fails the test unless it is a name
// the Chinese articles keep too: a protocol's message names and acronyms, units, link keys (the
// preset lessons shown with a preset's link name some: pause=, fall, NotReady).
// (Message dots' tooltips are the event log's protocol text, English by design.)
const LATIN_OK = new Set([
  // units and link keys
  'req', 'rps', 'rr', 'wrr', 'lc', 'wlc', 'lrt', 'pewma', 'p2c', 'key', 'user', 'crash', 'pause', 'fall',
  // protocol names and their message names (the event log's words)
  'Raft', 'SWIM', 'ping', 'ack', 'nack', 'sync', 'gossip', 'reply', 'preRV', 'TimeoutNow',
  // acronyms and product names kept in Chinese texts
  'Pod', 'HPA', 'SLO', 'CRDT', 'LWW', 'HRW', 'Maglev', 'MTTR', 'ReadIndex', 'fencing', 'NotReady',
  'Kubernetes', 'MySQL',
]);
const latinWords = (s) => [...s.matchAll(/(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])/g)].map((m) => m[0]);
const stageTexts = (page) =>
  page.evaluate(() => {
    const st = document.querySelector('[data-testid=stage]');
    if (!st) return ['(no stage)'];
    const msg = '.msg, .lbmsg, .seq-msg';
    return [
      st.innerText,
      ...[...st.querySelectorAll('svg text')].map((e) => e.textContent),
      ...[...st.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label')),
      ...[...st.querySelectorAll('[title]')].map((e) => e.getAttribute('title')),
      ...[...st.querySelectorAll('svg title')].filter((e) => !e.closest(msg)).map((e) => e.textContent),
    ];
  });

const STAGE_LINKS = [
  'lab=heartbeat',
  'lab=heartbeat&seed=7&n=5&faults=1500:crash:3&t=4000',
  'lab=heartbeat&seed=1&n=5&lat=10-200&det=phi&faults=5000:crash:3&t=8000',
  'lab=swim',
  'lab=swim&seed=1&n=8&faults=2000:crash:3;3000:cmd:5:slow:800&t=5000',
  'lab=raft',
  'lab=raft&seed=1&n=5&faults=2000:crash:3&t=2200',
  'lab=lb',
  'lab=lb&seed=1&n=4&faults=3000:crash:3&t=9000',
  'lab=ring',
  'lab=ring&seed=1&n=5&ops=1000:fail:n2&t=1500',
  'lab=cluster',
  'lab=cluster&seed=1&evict=20000&faults=20000:cmd:0:fail:0&t=30000',
  'lab=cluster&seed=1&faults=20000:cmd:0:hang&t=60000',
  'lab=system',
  'lab=system&seed=1&faults=5000:cmd:0:crash-m:1&t=15000',
  'lab=replication&sec=repl',
  'lab=replication&sec=repl&seed=4&mode=semi&n=1&fallback=1000&faults=1000:crash:2;2600:crash:1;3000:restart:2&t=4500',
  'lab=replication&sec=locks',
  'lab=replication&sec=locks&seed=1&lfence=0&lcheck=0&faults=1210:pause:2:2500&t=6000',
  'lab=replication&sec=aa',
  'lab=replication&sec=aa&seed=1&ares=vv&faults=1000:partition:0|1;3000:heal;3000:cmd:0:rate:0;3000:cmd:1:rate:0&t=5000',
];

browserTest('lang=zh: no English word on any lab stage, by default and after a fault', async ({ openPage }) => {
  const found = [];
  for (const link of STAGE_LINKS) {
    const page = await openPage(`${link}&lang=zh`, { timeout: 30_000 });
    await page.getByTestId('stage').waitFor();
    const texts = await stageTexts(page);
    assert.ok(texts.some((t) => han.test(t)), `${link}: a Chinese stage`);
    const english = new Set(texts.flatMap(latinWords).filter((w) => !LATIN_OK.has(w)));
    if (english.size) found.push(`${link}: ${[...english].join(' ')}`);
  }
  assert.deepEqual(found, [], `English words on Chinese stages:\n${found.join('\n')}`);
});

browserTest('lang=zh: a bad link shows a Chinese banner, the engine message read by its pattern', async ({ openPage }) => {
  const page = await openPage('lab=raft&n=999&seed=x&zz=1&lang=zh');
  const banner = page.getByTestId('error-banner');
  await banner.waitFor();
  const text = await banner.innerText();
  assert.match(text, /此链接中有部分内容无法使用/);
  assert.match(await banner.locator('li[data-param=n]').innerText(), /^n: 999 超出范围 \d+–\d+；改用 \d+$/);
  assert.match(await banner.locator('li[data-param=seed]').innerText(), /^seed: 'x' 不是整数；改用种子 \d+$/);
  assert.match(await banner.locator('li[data-param=zz]').innerText(), /^zz: 未知参数，已忽略$/);
  const english = latinWords(text).filter((w) => !['seed'].includes(w));
  assert.deepEqual(english, [], 'no English besides the parameter names');
  // The same link in English keeps the engine's text.
  await openPage('lab=raft&n=999&lang=en');
  assert.match(await page.getByTestId('error-banner').innerText(), /999 is outside \d+–\d+; using \d+/);
});
