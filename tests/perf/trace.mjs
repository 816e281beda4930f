// Where the main thread's time goes while a lab plays at top speed: a 3 s Chromium trace
// (devtools.timeline), summed by event name (FireAnimationFrame = the page's script, engine and
// render; Commit / Paint / RasterTask = drawing), plus the page's element counts.
//   node tests/perf/trace.mjs 'lab=cluster&n=20&slots=5&rep=100&rps=2000'   (build dist/ first)
import { Session, teardown } from '../browser/lib.mjs';
const query = process.argv[2];
const session = await Session.create();
try {
  const page = await session.openPage(query);
  const play = page.getByTestId('play');
  if ((await play.getAttribute('aria-pressed')) !== 'true') await play.click();
  const speed = page.getByTestId('speed');
  await speed.fill((await speed.getAttribute('max')) ?? '100');
  await page.waitForTimeout(1500);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await page.waitForTimeout(3000);
  await cdp.send('Tracing.end');
  await done;
  const tot = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur) continue;
    tot.set(e.name, (tot.get(e.name) ?? 0) + e.dur / 1000);
  }
  const rows = [...tot.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  for (const [n, ms] of rows) console.log(`${ms.toFixed(0).padStart(7)} ms  ${n}`);
  const svg = await page.evaluate(() => document.querySelectorAll('svg *').length);
  const all = await page.evaluate(() => document.querySelectorAll('*').length);
  console.log('svg elements', svg, 'all elements', all);
} finally {
  await session.close();
  await teardown();
}
