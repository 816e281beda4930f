// Page weight of dist/ and frame pacing of a running lab, as markdown tables for docs/perf.md.
//   node tests/perf/frames.mjs [query]      (default query: lab=heartbeat&n=50; build dist/ first)
// Frame pacing: opens /?query, presses play, sets the speed slider to its maximum and records
// requestAnimationFrame gaps inside the page for 5 s.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { DIST, Session, teardown, waitUntil } from '../browser/lib.mjs';

const query = (process.argv[2] ?? 'lab=heartbeat&n=50').replace(/^\?/, '');
const MEASURE_MS = 5_000;
const kb = (bytes) => (bytes / 1024).toFixed(1);

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** What one page downloads: its bundle (`ha-<page>.js` + `_bg.wasm`, see index.html) plus its
 *  style sheet (`css/<page>.css`; a replication section's bundle uses the replication page's)
 *  and index.html. The budget applies per page. */
async function pageWeight() {
  const sizes = new Map();
  for await (const path of files(DIST)) {
    if (!['.wasm', '.js', '.css', '.html'].includes(extname(path))) continue;
    const body = await readFile(path);
    sizes.set(relative(DIST, path), { raw: body.length, gzip: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }).length });
  }
  const shared = ['index.html'].filter((f) => sizes.has(f));
  const bundles = [...sizes.keys()].filter((f) => /^ha-[a-z-]+\.js$/.test(f)).map((f) => f.slice(0, -3)).sort();
  console.log('| page | bundle files | raw KB | gzip -9 KB |');
  console.log('|---|---|---:|---:|');
  const row = (label, parts) => {
    parts = parts.filter((f) => sizes.has(f));
    const t = parts.reduce((acc, f) => ({ raw: acc.raw + sizes.get(f).raw, gzip: acc.gzip + sizes.get(f).gzip }), { raw: 0, gzip: 0 });
    console.log(`| ${label} | ${parts.join(' + ')} | ${kb(t.raw)} | ${kb(t.gzip)} |`);
  };
  // The §9.3 experiment's web worker (worker/) is not a page: the Raft page fetches it on Run.
  const workers = ['ha-exp'];
  for (const b of bundles.filter((b) => !workers.includes(b))) {
    const page = b.replace(/^ha-/, '').replace(/^replication-.*/, 'replication');
    row(b.replace('ha-', ''), [`${b}.js`, `${b}_bg.wasm`, ...shared, `css/${page}.css`]);
  }
  for (const b of workers.filter((b) => bundles.includes(b))) {
    row(`${b.replace('ha-', '')} (web worker, fetched on Run; not a page)`, [`${b}_loader.js`, `${b}.js`, `${b}_bg.wasm`]);
  }
}

async function framePacing() {
  const session = await Session.create();
  try {
    const page = await session.openPage(query);
    const play = page.getByTestId('play');
    if ((await play.getAttribute('aria-pressed')) !== 'true') await play.click();
    await waitUntil(async () => (await play.getAttribute('aria-pressed')) === 'true', {
      message: 'play aria-pressed=true',
    });
    const speed = page.getByTestId('speed');
    const max = (await speed.getAttribute('max')) ?? '100';
    await speed.fill(max);

    const simBefore = Number(await page.getByTestId('sim-time').getAttribute('data-ms'));
    const gaps = await page.evaluate(
      (ms) =>
        new Promise((done) => {
          const out = [];
          let start = null;
          let prev = null;
          const tick = (now) => {
            if (start === null) start = now;
            if (prev !== null) out.push(now - prev);
            prev = now;
            if (now - start < ms) requestAnimationFrame(tick);
            else done(out);
          };
          requestAnimationFrame(tick);
        }),
      MEASURE_MS,
    );
    const simAfter = Number(await page.getByTestId('sim-time').getAttribute('data-ms'));
    const problems = session.problems();
    if (problems.length) throw new Error(`page errors during the run:\n${problems.join('\n')}`);

    const sorted = [...gaps].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
    const ms = (v) => v.toFixed(1);
    console.log(`| query | speed slider | frames in ${MEASURE_MS / 1000} s | p50 gap ms | p95 gap ms | max gap ms | sim ms advanced |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| \`?${query}\` | ${max} | ${gaps.length} | ${ms(pct(50))} | ${ms(pct(95))} | ${ms(sorted.at(-1) ?? NaN)} | ${ms(simAfter - simBefore)} |`,
    );
  } finally {
    await session.close();
  }
}

try {
  console.log(`### Page weight (\`${relative(process.cwd(), DIST) || DIST}\`)\n`);
  await pageWeight();
  console.log('\n### Frame pacing (headless Chromium)\n');
  await framePacing();
} finally {
  await teardown();
}
