// The chart component (src/components/chart.rs) in every lab that draws charts, at 1280×720:
// no two texts of a chart overlap (tick labels, title, axis names, legend), every text lies inside
// its SVG box, text is at least 12 px, and side-by-side comparisons share one y maximum.
import assert from 'node:assert/strict';
import { APP_READY, browserTest, waitUntil } from './lib.mjs';

async function open(session, query) {
  const ctx = await session.context.browser().newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => session.pageErrors.push(String(e)));
  await page.goto(`${session.origin}/?${query}`);
  await page.locator(APP_READY).first().waitFor({ state: 'attached' });
  return { page, close: () => ctx.close() };
}

/** Every chart on the page: its test id, y maximum, text boxes and sizes. */
function charts(page) {
  return page.evaluate(() => [...document.querySelectorAll('svg.ch')].map((svg) => {
    svg.scrollIntoView();
    const b = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim()).map((t) => {
      const r = t.getBoundingClientRect();
      return { text: t.textContent, l: r.left - b.left, r: r.right - b.left, t: r.top - b.top, b: r.bottom - b.top,
        px: parseFloat(getComputedStyle(t).fontSize) * scale };
    });
    return { id: svg.dataset.testid, ymax: Number(svg.dataset.ymax), w: b.width, h: b.height, texts };
  }));
}

function check(list, where) {
  assert.ok(list.length > 0, `${where}: a chart`);
  for (const c of list) {
    const at = `${where} ${c.id}`;
    for (const [i, a] of c.texts.entries()) {
      assert.ok(a.px >= 12, `${at}: "${a.text}" is ${a.px.toFixed(1)} px`);
      assert.ok(a.l >= -0.5 && a.t >= -0.5 && a.r <= c.w + 0.5 && a.b <= c.h + 0.5,
        `${at}: "${a.text}" inside the ${c.w.toFixed(0)}×${c.h.toFixed(0)} box: ${JSON.stringify(a)}`);
      for (const o of c.texts.slice(i + 1)) {
        const overlap = Math.min(a.r, o.r) - Math.max(a.l, o.l) > 0.5 && Math.min(a.b, o.b) - Math.max(a.t, o.t) > 0.5;
        assert.ok(!overlap, `${at}: "${a.text}" and "${o.text}" overlap`);
      }
    }
  }
}

browserTest('LB, cluster and system charts: ticks apart, texts inside, ≥ 12 px; LB comparisons share y', async ({ session }) => {
  const lb = await open(session, 'lab=lb&v=1&seed=1&n=4&rate=300&faults=2000:cmd:5:slow:10&t=8000&strat=p2c&cmp=rr');
  await lb.page.getByTestId('charts-compare').waitFor();
  const l = await charts(lb.page);
  check(l, 'lb');
  for (const name of ['latency', 'throughput', 'load']) {
    const a = l.find((c) => c.id === `chart-main-${name}`);
    const b = l.find((c) => c.id === `chart-compare-${name}`);
    assert.ok(a && b && a.ymax > 0, `both ${name} charts`);
    assert.equal(a.ymax, b.ymax, `the ${name} charts share one y maximum`);
  }
  await lb.close();
  for (const q of ['lab=cluster&t=90000', 'lab=system&t=30000']) {
    const p = await open(session, q);
    await p.page.locator('svg.ch').first().waitFor();
    check(await charts(p.page), q);
    await p.close();
  }
}, { timeout: 120_000 });

browserTest('sweep and experiment charts (SWIM, detector comparison, ring, Raft) fit', async ({ session }) => {
  const swim = await open(session, 'lab=swim');
  await swim.page.getByTestId('sweep-run').click();
  await swim.page.getByTestId('compare-run').click();
  await waitUntil(async () => (await swim.page.getByTestId('compare-done').innerText()).startsWith('18/18')
    && (await swim.page.getByTestId('sweep-done').innerText()).startsWith('6/6'), { timeout: 90_000, message: 'both sweeps' });
  const s = await charts(swim.page);
  assert.equal(s.length, 4, 'two sweep and two comparison charts');
  check(s, 'swim');
  await swim.close();

  const ring = await open(session, 'lab=ring&n=5&vn=100');
  await ring.page.getByTestId('sweep-run').click();
  await ring.page.locator('svg.ch').first().waitFor();
  check(await charts(ring.page), 'ring');
  await ring.close();

  const raft = await open(session, 'lab=raft');
  await raft.page.getByTestId('exp-runs').fill('3');
  await raft.page.getByTestId('exp-run').click();
  await waitUntil(async () => (await raft.page.getByTestId('exp-done').innerText()).includes('18/18'), { timeout: 30_000, message: '18 runs' });
  check(await charts(raft.page), 'raft');
  await raft.close();
}, { timeout: 180_000 });
