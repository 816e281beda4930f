// Text kept inside its box (issue "classroom-grade stage": "× crashed" overflowed its box): in each
// lab's default scenario and in one preset with a fault, at 1280×720 and on a 360×740 phone, in
// English and in 简体中文, every stage text that sits in a box (a node's, machine's, process's,
// row's or zone's rect, a node's circle, the balancer's boxes) ends inside it.
import assert from 'node:assert/strict';
import { browserTest, choosePreset, pageAt } from './lib.mjs';

// Per lab: a preset that breaks something (its opening frame and 12 events on).
const PRESETS = {
  heartbeat: 'hb-failover',
  raft: 'raft-leader-crash',
  swim: 'swim-crash',
  replication: 'repl-split-brain',
  lb: 'lb-crash-hc',
  ring: 'ring-fail',
  cluster: 'cluster-machine-dies',
  system: 'system-leader-machine-dies',
};

/** Every stage text that starts in a box and overflows it by more than 1 px. A text belongs to
 *  the smallest box around its start — a `rect` of class *box, row-bg or body, or a `circle.body`
 *  in the nearest group around it that has one holding the text's anchor point (its left end,
 *  middle or right end, at half height). */
function overflowing(page) {
  return page.evaluate(() => {
    const TOL = 1;
    const out = [];
    const svg = document.querySelector('[data-testid=stage] svg');
    const isBox = (el) =>
      (el.tagName === 'rect' && /box|row-bg|(^| )body( |$)/.test(el.getAttribute('class') ?? '')) ||
      (el.tagName === 'circle' && (el.getAttribute('class') ?? '').split(' ').includes('body')) ||
      // The balancer's two boxes: the clients' circle, the balancer's rect.
      el.parentElement.classList.contains('lb-node');
    for (const t of svg.querySelectorAll('text')) {
      const cs = getComputedStyle(t);
      if (!t.textContent.trim() || cs.visibility === 'hidden' || cs.display === 'none') continue;
      const r = t.getBoundingClientRect();
      if (r.width <= 0) continue;
      // The start of the text, as anchored: left end, middle or right end.
      const anchor = cs.textAnchor;
      const sx = anchor === 'middle' ? (r.left + r.right) / 2 : anchor === 'end' ? r.right - 1 : r.left + 1;
      const sy = (r.top + r.bottom) / 2;
      let best = null;
      for (let g = t.parentElement; g && g !== svg.parentElement; g = g.parentElement) {
        for (const el of g.querySelectorAll('rect, circle')) {
          if (!isBox(el)) continue;
          const b = el.getBoundingClientRect();
          if (b.width <= 0 || sx < b.left || sx > b.right || sy < b.top || sy > b.bottom) continue;
          if (!best || b.width * b.height < best.width * best.height) best = b;
        }
        if (best) break;
      }
      if (!best) continue;
      const over = Math.max(best.left - r.left, r.right - best.right, best.top - r.top, r.bottom - best.bottom);
      if (over > TOL) {
        const id = t.closest('[data-node-id]')?.getAttribute('data-node-id') ?? '';
        out.push(`"${t.textContent.trim().slice(0, 30)}" (${id}) overflows its box by ${over.toFixed(1)} px`);
      }
    }
    return out;
  });
}

for (const [size, lang] of [['projector', 'en'], ['phone', 'en'], ['projector', 'zh'], ['phone', 'zh']]) {
  browserTest(`at ${size} in ${lang} stage text stays inside its box, in each lab's default and a faulted preset`, async ({ session }) => {
    const problems = [];
    for (const [lab, preset] of Object.entries(PRESETS)) {
      const { page, close } = await pageAt(session, size, `lab=${lab}${lang === 'en' ? '' : `&lang=${lang}`}`);
      await page.waitForTimeout(150);
      for (const o of await overflowing(page)) problems.push(`${lab} (default): ${o}`);
      await choosePreset(page, preset);
      await page.getByTestId('preset-lesson').waitFor();
      for (const frame of ['opening', 'after 12 events']) {
        if (frame !== 'opening') {
          for (let i = 0; i < 12; i++) await page.getByTestId('step').click();
        }
        await page.waitForTimeout(150);
        for (const o of await overflowing(page)) problems.push(`${preset} (${frame}): ${o}`);
      }
      await close();
    }
    assert.deepEqual(problems, [], 'stage text outside its box');
  }, { timeout: 180_000 });
}
