// The stage-first layout (issue "classroom-grade stage"): on a 1280×720 projector, at 150 % zoom
// and on a 360×740 phone, as a teacher and a student see it.
import assert from 'node:assert/strict';
import { browserTest, choosePreset, cli, pageAt, pageLines, replayedEvents, waitUntil } from './lib.mjs';

const LABS = ['raft', 'ring', 'lb', 'heartbeat', 'replication', 'swim', 'cluster', 'system'];

/** Boxes of the stage's picture and of every node in it, in CSS pixels of the viewport. */
function stageBoxes(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    const svg = document.querySelector('[data-testid=stage] svg');
    const nodes = [...document.querySelectorAll('[data-testid=stage] [data-node-id], [data-testid=stage] .server-row')];
    return { svg: box(svg), nodes: nodes.map(box), w: innerWidth, h: innerHeight };
  });
}

for (const size of ['projector', 'zoom150']) {
  browserTest(`at ${size} every lab's picture and player are in the first screen (also with a lesson open)`, async ({ session }) => {
    // The last: a lesson step with its question open (the panel sits beside the drawing).
    for (const lab of [...LABS, 'raft&lesson=raft-election&step=2']) {
      const { page, close } = await pageAt(session, size, `lab=${lab}`);
      const b = await stageBoxes(page);
      assert.ok(b.nodes.length > 0, `${lab}: nodes on the stage`);
      for (const n of [b.svg, ...b.nodes]) {
        assert.ok(n.top >= 0 && n.bottom <= b.h + 1 && n.left >= 0 && n.right <= b.w + 1,
          `${lab} at ${size}: ${JSON.stringify(n)} is outside the ${b.w}×${b.h} first screen`);
      }
      const play = await page.getByTestId('play').boundingBox();
      assert.ok(play && play.y + play.height <= b.h, `${lab}: the Play button is in the first screen`);
      await close();
    }
  });
}

/** Every non-empty text on the stage smaller than 12 CSS px as rendered. */
function smallTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=stage] svg text')]
      .filter((t) => t.textContent.trim() && t.getBBox().width > 0)
      .map((t) => ({
        text: t.textContent.trim().slice(0, 20),
        px: Math.round(parseFloat(getComputedStyle(t).fontSize) * (t.ownerSVGElement.getScreenCTM()?.a ?? 1) * 10) / 10,
      }))
      .filter((t) => t.px < 12),
  );
}

// The three sizes a class sees: the projector, the projector at 150 % zoom, a phone. Text on the
// stage grows in user units as the picture shrinks (`use_stage_scale`), so it never drops under
// 12 px; also after a resize.
for (const size of ['projector', 'zoom150', 'phone']) {
  browserTest(`at ${size} every text on each lab's stage is at least 12 px`, async ({ session }) => {
    for (const lab of LABS) {
      const { page, close } = await pageAt(session, size, `lab=${lab}`);
      await waitUntil(async () => (await smallTexts(page)).length === 0, { timeout: 3_000, message: `${lab} at ${size}: ${JSON.stringify(await smallTexts(page))}` }).catch(() => {});
      assert.deepEqual(await smallTexts(page), [], `${lab} at ${size}: stage text under 12 px`);
      await close();
    }
  });
}

browserTest('stage text stays at least 12 px after the window is resized', async ({ session }) => {
  const { page, close } = await pageAt(session, 'projector', 'lab=raft');
  await page.setViewportSize({ width: 700, height: 420 });
  await waitUntil(async () => (await smallTexts(page)).length === 0, { timeout: 3_000, message: 'text grows after a resize' });
  await close();
});

/** Stage texts that reach past the edge of their picture (the SVG clips them), in CSS px. */
function clippedTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=stage] svg text')]
      .filter((t) => t.textContent.trim() && getComputedStyle(t).visibility !== 'hidden')
      .map((t) => ({ text: t.textContent.trim().slice(0, 24), r: t.getBoundingClientRect(), s: t.ownerSVGElement.getBoundingClientRect() }))
      // A text's box is its font's whole em box: a quarter of its height above and below is
      // room over capitals and under the baseline, not ink, so only more than that is a cut.
      .filter(({ r, s }) => r.width > 0 && (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - r.height / 4 || r.bottom > s.bottom + r.height / 4))
      .map(({ text, r, s }) => `"${text}" [${Math.round(r.left)}, ${Math.round(r.right)}] in [${Math.round(s.left)}, ${Math.round(s.right)}]`),
  );
}

// Each lab as it opens, the load balancer at its busiest (a five-digit rate under the
// clients): a 360 px phone's larger stage text once cut "10017 req/s" to ".0017 req/s"), and the
// replication lab's three sections mid-run.
for (const size of ['projector', 'zoom150', 'phone']) {
  browserTest(`at ${size} no stage text is cut off by the picture's edge`, async ({ session }) => {
    const problems = [];
    for (const query of [
      ...LABS.map((lab) => `lab=${lab}`),
      'lab=lb&v=1&seed=1&n=20&rate=10000&t=20000',
      // A replica far behind after a failover: its line once ran past a phone's picture.
      'lab=replication&sec=repl&seed=1&delay=1000&faults=1500:crash:1;3000:restart:1&t=4500',
      'lab=replication&sec=locks&t=3000',
      'lab=replication&sec=aa&t=3000',
    ]) {
      const { page, close } = await pageAt(session, size, query);
      await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 30_000 });
      for (const c of await clippedTexts(page)) problems.push(`${query}: ${c}`);
      await close();
    }
    assert.deepEqual(problems, [], 'stage texts cut off');
  });
}

/** Pairs of stage texts whose boxes overlap (by more than 1.5 px each way), in CSS px. */
function overlappingTexts(page) {
  return page.evaluate(() => {
    const texts = [...document.querySelectorAll('[data-testid=stage] svg text')]
      .filter((t) => t.textContent.trim() && getComputedStyle(t).visibility !== 'hidden')
      .map((t) => ({ text: t.textContent.trim().slice(0, 24), r: t.getBoundingClientRect() }))
      .filter((t) => t.r.width > 0 && t.r.height > 0);
    const pad = 1.5;
    const out = [];
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const [a, b] = [texts[i].r, texts[j].r];
        if (a.left + pad < b.right - pad && b.left + pad < a.right - pad && a.top + pad < b.bottom - pad && b.top + pad < a.bottom - pad) {
          out.push(`"${texts[i].text}" × "${texts[j].text}"`);
        }
      }
    }
    return out;
  });
}

// Key frames: each preset opens just before its key event; the frame it opens at and a few
// events later (messages leaving the nodes) at the projector and on a phone.
const OVERLAP_PRESETS = {
  raft: ['raft-leader-crash', 'raft-split-vote', 'raft-minority-leader'],
  heartbeat: ['hb-failover', 'hb-split-brain'],
  lb: ['lb-crash-hc', 'lb-weights'],
  swim: ['swim-crash', 'swim-partition'],
  ring: ['ring-add'],
};
for (const size of ['projector', 'phone']) {
  browserTest(`at ${size} no two stage labels overlap in the presets' key frames`, async ({ session }) => {
    const problems = [];
    for (const [lab, presets] of Object.entries(OVERLAP_PRESETS)) {
      const { page, close } = await pageAt(session, size, `lab=${lab}`);
      for (const id of presets) {
        await choosePreset(page, id);
        await page.getByTestId('preset-lesson').waitFor();
        for (const frame of ['opening', 'after 12 events']) {
          if (frame !== 'opening') {
            for (let i = 0; i < 12; i++) await page.getByTestId('step').click();
          }
          await page.waitForTimeout(100);
          for (const o of await overlappingTexts(page)) problems.push(`${id} (${frame}): ${o}`);
        }
      }
      await close();
    }
    assert.deepEqual(problems, [], 'overlapping stage labels');
  });
}

browserTest('on a 360 px phone no lab page scrolls sideways', async ({ session }) => {
  for (const lab of LABS) {
    const { page, close } = await pageAt(session, 'phone', `lab=${lab}`);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= 360, `${lab}: the page is ${w} px wide on a 360 px screen`);
    await close();
  }
});

browserTest("a preset's lesson is shown on the stage until dismissed, also when its link is opened", async ({ openPage, newSession }) => {
  const page = await openPage('lab=raft');
  assert.equal(await page.getByTestId('preset-lesson').count(), 0, 'no lesson without a preset');
  await choosePreset(page, 'raft-leader-crash');
  const lesson = page.getByTestId('preset-lesson');
  await lesson.waitFor();
  assert.match(await lesson.innerText(), /Leader crash and re-election/);
  assert.ok(await lesson.isVisible());
  // The menu closed itself; the lesson sits inside the stage.
  assert.equal(await page.locator('[data-testid=stage] [data-testid=preset-lesson]').count(), 1);
  await waitUntil(async () => (await page.getByTestId('presets').getAttribute('open')) === null, { message: 'the menu closes' });
  // A shared link of the preset (at another position) opens with the same lesson.
  const link = page.url();
  const other = await (await newSession()).openPage(link);
  await other.getByTestId('preset-lesson').waitFor();
  await page.getByTestId('dismiss-lesson').click();
  await lesson.waitFor({ state: 'detached' });
});

/** WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

browserTest('the Play label keeps a 4.5:1 contrast at rest, on hover and while playing', async ({ openPage }) => {
  const page = await openPage('lab=heartbeat');
  const play = page.getByTestId('play');
  const colours = () => play.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
  const check = async (state) => {
    const [fg, bg] = await colours();
    assert.ok(contrast(fg, bg) >= 4.5, `${state}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
  };
  await page.mouse.move(0, 0);
  await check('at rest');
  await play.hover();
  await check('hovered');
  await play.click();
  await check('playing, hovered');
  await page.mouse.move(0, 0);
  await check('playing');
});

browserTest('a heavy link replays in slices with a progress bar, stays responsive and can be cancelled', async ({ openPage }) => {
  // 20 backends at 10 000 requests/s for 10 minutes: far more events than one frame can take.
  const page = await openPage('lab=lb&v=1&seed=1&n=20&rate=10000&t=600000', { settle: false });
  // Long tasks (> 50 ms) from now on (not the page's start-up); none may reach 200 ms while the
  // replay runs (a frame's slice is 40 ms of work).
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask' });
  });
  const progress = page.getByTestId('progress');
  await progress.waitFor();
  const value = () => progress.locator('progress').evaluate((el) => el.value, null, { timeout: 1_000 });
  const first = await value();
  await waitUntil(async () => (await value()) > first, { timeout: 10_000, message: 'the replay advances' });
  // Once it has run a second, it says how long is left at its pace so far: close to the pace
  // the bar itself shows while it moves the next 8 % (a window long enough on a slow machine).
  const left = async () => Number((await progress.innerText()).match(/about (\d+) s left/)?.[1] ?? NaN);
  await waitUntil(async () => !Number.isNaN(await left()), { timeout: 5_000, message: 'the time left is shown' });
  const [v1, t1] = [await value(), Date.now()];
  await waitUntil(async () => (await value()) >= v1 + 8, { timeout: 30_000, message: 'the replay moves on 8 %' });
  const [v2, t2, shown] = [await value(), Date.now(), await left()];
  const expected = ((100 - v2) * (t2 - t1)) / Math.max(v2 - v1, 1) / 1000;
  assert.ok(shown >= 0.65 * expected && shown <= 1.35 * expected + 1, `${shown} s left shown at ${v2} %, ${expected.toFixed(1)} s at the bar's pace`);
  await page.getByTestId('cancel-replay').click();
  await progress.waitFor({ state: 'detached', timeout: 2_000 });
  assert.match(await page.getByTestId('notice').innerText(), /Replay stopped at/);
  const longest = await page.evaluate(() => window.__longest);
  assert.ok(longest < 200, `a task took ${longest} ms while replaying`);
});

browserTest('a long replay draws the page a few times a second, not after every slice', async ({ openPage }) => {
  // Drawing the whole page after each frame's 40 ms slice took a third of every frame: the
  // replay now draws its progress (and the stage) every 200 ms and only replays in between.
  const page = await openPage('lab=lb&v=1&seed=1&n=20&rate=10000&t=600000', { settle: false });
  const progress = page.getByTestId('progress');
  await progress.waitFor();
  const before = await replayedEvents(page);
  const { draws, frames } = await page.evaluate(async () => {
    let draws = 0;
    const seen = new MutationObserver(() => draws++);
    seen.observe(document.querySelector('[data-testid=progress]'), { subtree: true, attributes: true, characterData: true, childList: true });
    let frames = 0;
    let on = true;
    const tick = () => { frames++; if (on) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    await new Promise((r) => setTimeout(r, 3_000));
    on = false;
    seen.disconnect();
    return { draws, frames };
  });
  const after = await replayedEvents(page);
  assert.ok(after > before, `the progress shows the replay advancing (${before} → ${after} events)`);
  assert.ok(draws >= 3, `the progress was drawn ${draws} times in 3 s`);
  assert.ok(draws <= 3_000 / 200 + 2, `the page was drawn ${draws} times in 3 s (${frames} frames): after every slice`);
  await page.getByTestId('cancel-replay').click();
  await progress.waitFor({ state: 'detached', timeout: 2_000 });
});

browserTest('after Cancel of a long replay the event log shows the events up to where it stopped', async ({ openPage }) => {
  // The replay steps without trace lines (quiet); once it ends (here: Cancel) the page rebuilds
  // the log's lines. They must be the last lines `cli run` (native) prints for the same step.
  const link = 'lab=lb&v=1&seed=1&n=20&rate=10000';
  const page = await openPage(`${link}&t=600000`, { settle: false });
  const progress = page.getByTestId('progress');
  await progress.waitFor();
  await page.getByTestId('cancel-replay').click();
  await progress.waitFor({ state: 'detached', timeout: 2_000 });
  const steps = Number((await page.getByTestId('step-count').innerText()).replace(/\D+/g, ''));
  assert.ok(steps > 0, 'the replay went some way before Cancel');
  const shown = await pageLines(page);
  assert.ok(shown.length > 0, 'the event log shows lines after Cancel');
  assert.equal(Number(shown.at(-1).split('\t')[0]), steps, 'the last line is the step reached');
  const native = cli('run', `${link}&step=${steps}`, '--events', String(shown.length)).trimEnd().split('\n');
  assert.deepEqual(shown, native, `the page's log after Cancel differs from cli run at step ${steps}`);
}, { timeout: 120_000 });

// A preset's lesson caption takes height from the stage: the system picture then keeps its
// scale (its min-height) and the stage grows, so its text stays at least 12 px at 150 % zoom.
browserTest('at zoom150 with a preset lesson open the system stage text is at least 12 px', async ({ session }) => {
  const { page, close } = await pageAt(session, 'zoom150', 'lab=system');
  await choosePreset(page, 'system-leader-machine-dies');
  await page.getByTestId('preset-lesson').waitFor();
  await waitUntil(async () => (await smallTexts(page)).length === 0, { timeout: 5_000, message: JSON.stringify(await smallTexts(page)) }).catch(() => {});
  assert.deepEqual(await smallTexts(page), [], 'system at zoom150 with a lesson: stage text under 12 px');
  await close();
});

browserTest('every stage that draws a message the network will lose (a ring) names the ring in its legend', async ({ openPage }) => {
  const labs = ['raft', 'lb', 'heartbeat', 'swim', 'replication&sec=repl', 'replication&sec=locks', 'replication&sec=aa'];
  for (const lab of labs) {
    const page = await openPage(`lab=${lab}&seed=1&loss=40`);
    // Step until a lost message is on the stage (in its drawing, not the legend).
    const ring = '[data-testid=stage] svg :is(.msg.lost, .lbmsg.lost, .lbdots.lost)';
    for (let i = 0; i < 400 && (await page.locator(ring).count()) === 0; i++) {
      await page.getByTestId('step').click();
    }
    assert.ok((await page.locator(ring).count()) > 0, `${lab}: a lost message drawn within 400 steps`);
    // Drawn as a ring: a circle filled with the stage's surface colour (the dense drawing's ring
    // is a path with a hole, tested in lb.test.mjs).
    const fills = await page.evaluate((sel) => {
      const probe = document.createElement('div');
      probe.style.color = 'var(--surface)';
      document.querySelector('[data-testid=stage]').append(probe);
      const surface = getComputedStyle(probe).color;
      probe.remove();
      return [...document.querySelectorAll(sel)].map((el) => {
        const c = el.tagName === 'circle' ? el : el.querySelector('circle');
        return c ? getComputedStyle(c).fill === surface : null;
      });
    }, ring);
    assert.ok(fills.every((f) => f !== false), `${lab}: every lost message is a ring (${fills})`);
    const key = page.locator('[data-testid=stage] .legend .key.lost');
    assert.equal(await key.count(), 1, `${lab}: one legend key for it`);
    assert.ok(await key.isVisible(), `${lab}: the key is visible`);
    assert.match(await key.textContent(), /○ will be lost/, `${lab}: the key's text`);
  }
}, { timeout: 180_000 });

// A 20-machine cluster: one column of machines a zone was twice as tall as a projector's stage,
// the picture shrank, its text did not, and pod labels ran into each other. The stage picks an
// arrangement that fits (wider, machines side by side, pods with less text) at every size.
// Presenter mode draws stage text at 19 CSS px at least: the arrangement is sized for that.
for (const [size, mode] of [['projector', ''], ['zoom150', ''], ['phone', ''], ['projector', '&present=1']]) {
  browserTest(`at ${size}${mode} a 20-machine cluster's labels do not overlap and every pod sits in its machine`, async ({ session }) => {
    const { page, close } = await pageAt(session, size, `lab=cluster&n=20&slots=5&rep=100&rps=2000${mode}`);
    await waitUntil(async () => (await page.locator('[data-testid=cluster] .pod').count()) === 100, { message: '100 pods drawn' });
    await page.waitForTimeout(300);
    assert.deepEqual(await overlappingTexts(page), [], 'overlapping stage labels');
    const outside = await page.evaluate(() => {
      const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
      const out = [];
      for (const m of document.querySelectorAll('[data-testid=cluster] .machine')) {
        const box = m.querySelector('.m-box').getBoundingClientRect();
        const label = m.querySelector('.m-label').getBoundingClientRect();
        if (label.right > box.right + 1) out.push(`${m.querySelector('.m-label').textContent}: label past its box`);
        for (const p of m.querySelectorAll('.pod')) {
          const pb = p.querySelector('.pod-box').getBoundingClientRect();
          if (!inside(pb, box)) out.push(`${p.dataset.nodeId} outside its machine`);
          for (const t of p.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (r.left < pb.left - 1 || r.right > pb.right + 1) out.push(`${p.dataset.nodeId}: "${t.textContent}" past its box`);
          }
        }
      }
      return out;
    });
    assert.deepEqual(outside, [], 'pods and labels outside their boxes');
    assert.deepEqual(await smallTexts(page), [], 'stage text under 12 px');
    await close();
  });
}

// The cluster's service box was 340 units wide whatever its text: where a lesson panel leaves
// the picture a narrow box (150 % zoom, the projector), the text at its least size ran past both
// ends. The box is as wide as its text, and a short form is used where the picture is too narrow.
for (const [size, query] of [
  ['zoom150', 'lab=cluster&lesson=cluster-self-healing&step=3'],
  ['projector', 'lab=cluster&lesson=cluster-self-healing&step=3'],
  ['projector', 'lab=cluster&lesson=cluster-self-healing&step=3&present=1'],
  ['phone', 'lab=cluster&lang=zh'],
]) {
  browserTest(`at ${size} the cluster's service text stays in its box (${query})`, async ({ session }) => {
    const { page, close } = await pageAt(session, size, query);
    const service = page.getByTestId('service');
    await service.waitFor();
    await page.waitForTimeout(300);
    const [box, text] = await service.evaluate((g) =>
      [g.querySelector('rect'), g.querySelector('text')].map((e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, text: e.textContent };
      }),
    );
    assert.match(text.text, /\d+\/\d+|\d+ of \d+|\d+ \/ \d+/, 'the service line counts ready pods');
    assert.ok(text.left >= box.left - 1 && text.right <= box.right + 1, `"${text.text}" (${Math.round(text.left)}–${Math.round(text.right)}) past its box (${Math.round(box.left)}–${Math.round(box.right)})`);
    await close();
  });
}

// The replication lab's section tabs sat 2rem over the top of the picture, where the picture
// left room at the projector; at 150 % zoom beside a lesson they covered a client and the
// monitor's label. They have a row of their own.
for (const size of ['zoom150', 'projector', 'phone']) {
  browserTest(`at ${size} the replication lab's section tabs cover nothing in the picture`, async ({ session }) => {
    const problems = [];
    for (const query of [
      'lab=replication&lesson=repl-lost-write&step=2',
      'lab=replication&lesson=locks-fencing&step=3',
      'lab=replication&sec=locks&seed=1&lfence=0&lwork=400&ldrift=50&faults=1780:pause:3:1200&t=1700',
      'lab=replication&sec=aa&t=3000',
    ]) {
      const { page, close } = await pageAt(session, size, query);
      await page.getByTestId('sections').waitFor();
      await page.waitForTimeout(300);
      const hits = await page.evaluate(() => {
        const tabs = document.querySelector('[data-testid=sections]').getBoundingClientRect();
        return [...document.querySelectorAll('[data-testid=stage] svg text, [data-testid=stage] svg circle')]
          .map((e) => ({ e, r: e.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && r.left < tabs.right - 1 && tabs.left + 1 < r.right && r.top < tabs.bottom - 1 && tabs.top + 1 < r.bottom)
          .map(({ e }) => (e.textContent.trim() || e.tagName).slice(0, 30));
      });
      for (const h of hits) problems.push(`${query}: "${h}" under the tabs`);
      await close();
    }
    assert.deepEqual(problems, [], 'picture under the section tabs');
  });
}

// A stylesheet rule for the Raft panel's HTML log entries (`.entry { height: 2.4rem }`) also
// sized the replication lab's SVG log entries (a rect's height is a CSS property): 38 units where
// the page drew 15, 48 in presenter mode, where they covered the next node's line. Every shape
// on every page is drawn at the size its page gives it.
browserTest('no stylesheet rule resizes a shape the pages draw', async ({ session }) => {
  const problems = [];
  for (const query of [
    ...LABS.map((lab) => `lab=${lab}&t=3000`),
    'lab=replication&sec=locks&t=3000',
    'lab=replication&sec=aa&t=3000',
    'lab=replication&sec=repl&t=3000&present=1',
  ]) {
    const { page, close } = await pageAt(session, 'projector', query);
    await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 30_000 });
    const bad = await page.evaluate(() => {
      const out = new Set();
      const attrs = { rect: ['x', 'y', 'width', 'height'], circle: ['cx', 'cy', 'r'], ellipse: ['cx', 'cy', 'rx', 'ry'] };
      for (const el of document.querySelectorAll('svg rect, svg circle, svg ellipse')) {
        for (const a of attrs[el.tagName]) {
          const given = el.getAttribute(a);
          const drawn = getComputedStyle(el)[a];
          if (given !== null && drawn !== 'auto' && Math.abs(parseFloat(drawn) - parseFloat(given)) > 0.01) {
            out.add(`${el.tagName}.${el.getAttribute('class')} ${a} ${given} drawn ${drawn}`);
          }
        }
      }
      return [...out];
    });
    for (const b of bad) problems.push(`${query}: ${b}`);
    await close();
  }
  assert.deepEqual(problems, [], 'shapes resized by the stylesheet');
}, { timeout: 120_000 });

// The replication lab's pictures are laid out for their text size across the width; at 150 %
// zoom the stage was so short that the picture shrank to its height and the text, at least 12.5
// CSS px, came out half again larger than laid out: the locks' write list, its key and the
// acting-primary rows ran into each other. The picture now keeps its scale and the stage grows.
// (At every size: the primary/backup picture, tightened for it, once put its short timeline
// title over the last client's "→ N".)
for (const [size, lang] of [['zoom150', 'en'], ['zoom150', 'zh'], ['projector', 'en'], ['phone', 'en']]) {
  browserTest(`at ${size} (${lang}) the replication lab's labels do not overlap`, async ({ session }) => {
    const problems = [];
    for (const query of [
      'lab=replication&sec=repl&t=3000',
      'lab=replication&sec=locks&t=3000',
      'lab=replication&sec=aa&t=3000',
      'lab=replication&lesson=locks-fencing&step=3',
      'lab=replication&lesson=repl-split-brain&step=4',
      'lab=replication&lesson=repl-lost-write&step=1',
    ]) {
      const { page, close } = await pageAt(session, size, `${query}&lang=${lang}`);
      await page.getByTestId('sections').waitFor();
      await page.waitForTimeout(300);
      for (const o of await overlappingTexts(page)) problems.push(`${query}: ${o}`);
      for (const s of await smallTexts(page)) problems.push(`${query}: under 12 px: ${s}`);
      for (const c of await clippedTexts(page)) problems.push(`${query}: cut off: ${c}`);
      await close();
    }
    assert.deepEqual(problems, [], 'replication stage texts');
  });
}

// Embedded in a small frame, a picture that keeps its scale for its text (replication, system)
// is taller than the stage: it spilled over the player and the "Open in the playground" link.
// The stage scrolls instead; nothing of the picture shows outside it.
browserTest('embedded in a 640×360 frame, no picture is drawn outside its stage', async ({ session }) => {
  const problems = [];
  for (const query of ['lab=replication&sec=locks&t=3000', 'lab=replication&sec=repl&t=3000', 'lab=system&t=3000', 'lab=raft&t=3000']) {
    const { page, close } = await pageAt(session, { viewport: { width: 640, height: 360 }, deviceScaleFactor: 1 }, `${query}&embed=1`);
    await page.waitForTimeout(300);
    const outside = await page.evaluate(() => {
      const stage = document.querySelector('[data-testid=stage]');
      const s = stage.getBoundingClientRect();
      const hits = [];
      for (let y = 2; y < innerHeight; y += 6) {
        for (let x = 2; x < innerWidth; x += 12) {
          if (x >= s.left && x <= s.right && y >= s.top && y <= s.bottom) continue;
          const el = document.elementFromPoint(x, y);
          if (el && el.closest('[data-testid=stage] svg')) hits.push(`${x},${y}`);
        }
      }
      return hits.slice(0, 5);
    });
    if (outside.length) problems.push(`${query}: picture drawn at ${outside.join(' ')}`);
    await close();
  }
  assert.deepEqual(problems, [], 'pictures outside their stage');
});
