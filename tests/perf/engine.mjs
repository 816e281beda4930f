// Engine speed in the page (issue 11), headless Chromium on dist/:
// - the Raft page's §9.3 experiment: wall time to finish N runs per range (default 1 000) and
//   the longest task while it runs;
// - a heavy link: events replayed per second while the page replays it in slices (no event cap).
//   node tests/perf/engine.mjs [runs]       (build dist/ first)

import { Session, teardown, waitUntil } from '../browser/lib.mjs';

const runs = Number(process.argv[2] ?? 1000);

async function longTasks(page) {
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask' });
  });
}

async function experiment() {
  const session = await Session.create();
  try {
    const page = await session.openPage('lab=raft');
    await longTasks(page);
    await page.getByTestId('exp-runs').fill(String(runs));
    const total = `${runs * 6}/${runs * 6}`;
    const t0 = Date.now();
    await page.getByTestId('exp-run').click();
    await waitUntil(async () => (await page.getByTestId('exp-done').innerText()).includes(total), {
      timeout: 600_000,
      interval: 100,
      message: `${total} runs`,
    });
    const ms = Date.now() - t0;
    const longest = await page.evaluate(() => window.__longest);
    console.log(`| §9.3 experiment, 6 ranges × ${runs} runs, in the page | ${(ms / 1000).toFixed(2)} s | longest task ${longest.toFixed(0)} ms |`);
  } finally {
    await session.close();
  }
}

async function heavyLink() {
  const session = await Session.create();
  try {
    const query = 'lab=lb&v=1&seed=1&n=20&rate=10000&t=600000';
    const page = await session.openPage(query, { settle: false });
    await longTasks(page);
    const progress = page.getByTestId('progress');
    await progress.waitFor();
    const events = async () => Number((/([0-9]+) events/.exec(await progress.innerText()) ?? [0, 0])[1]);
    const e0 = await events();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const e1 = await events();
    const s = (Date.now() - t0) / 1000;
    const longest = await page.evaluate(() => window.__longest);
    console.log(`| \`?${query}\` replay in the page | ${((e1 - e0) / s / 1e6).toFixed(2)} M events/s (${e1} events after ${s.toFixed(0)} s more) | longest task ${longest.toFixed(0)} ms |`);
  } finally {
    await session.close();
  }
}

try {
  await experiment();
  await heavyLink();
} finally {
  await teardown();
}
