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
