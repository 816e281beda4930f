// A student on a 360×740 phone (issue "classroom-grade stage"): tapping a node opens its actions
// in a sheet right next to it, inside the screen (no scrolling to find them), closed by its × or
// Escape and reachable by keyboard; the system lab's preset lesson is in the first screen.
import assert from 'node:assert/strict';
import { browserTest, choosePreset, pageAt, waitUntil } from './lib.mjs';

// Per lab: the node tapped (its data-node-id), the action clicked in the sheet, and the node's
// attribute that shows the action worked.
const LABS = [
  { lab: 'heartbeat', node: '2', action: 'action-crash', attr: 'data-alive', want: 'false' },
  { lab: 'raft', node: '3', action: 'action-crash', attr: 'data-status', want: 'down' },
  { lab: 'swim', node: '5', action: 'action-crash', attr: 'data-crashed', want: 'true' },
  { lab: 'replication', node: '2', action: 'action-crash', attr: 'data-alive', want: 'false' },
  { lab: 'lb', node: '3', action: 'action-crash', attr: 'data-alive', want: 'false' },
  { lab: 'ring', node: '1', action: 'action-fail', attr: 'data-status', want: 'down' },
  { lab: 'cluster', node: 'm1', action: 'fail-machine', attr: 'data-alive', want: 'false' },
  // A tap on a system machine crashes it at once; the sheet offers its restart.
  { lab: 'system', node: 'm1', action: 'restart-machine', attr: 'data-status', want: 'up' },
];

/** The sheet's and the node's boxes (viewport CSS px) and the viewport's size. */
function boxes(page, node) {
  return page.evaluate((id) => {
    const box = (el) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    return {
      sheet: box(document.querySelector('.sheet')),
      node: box(document.querySelector(`[data-testid=stage] [data-node-id="${id}"]`)),
      w: innerWidth,
      h: innerHeight,
    };
  }, node);
}

browserTest("on a phone a tapped node's actions open next to it, inside the screen, and work", async ({ session }) => {
  for (const { lab, node, action, attr, want } of LABS) {
    const { page, close } = await pageAt(session, 'phone', `lab=${lab}`);
    const target = page.locator(`[data-testid=stage] [data-node-id="${node}"]`);
    await target.tap();
    await page.locator('.sheet').waitFor();
    const b = await waitUntil(async () => {
      const v = await boxes(page, node);
      return v.sheet && v.node ? v : null;
    }, { message: `${lab}: sheet and node boxes` });
    const { sheet: s, node: n } = b;
    const where = `${lab}: sheet ${JSON.stringify(s)}, node ${JSON.stringify(n)}, screen ${b.w}×${b.h}`;
    assert.ok(s.top >= 0 && s.bottom <= b.h + 0.5 && s.left >= 0 && s.right <= b.w + 0.5, `${where}: the sheet leaves the screen`);
    // Next to the node: just below or just above it, not over it.
    const gapBelow = s.top - n.bottom;
    const gapAbove = n.top - s.bottom;
    assert.ok((gapBelow >= -1 && gapBelow <= 24) || (gapAbove >= -1 && gapAbove <= 24), `${where}: the sheet is not next to the node`);
    // Its first action is in the screen too (the sheet scrolls inside if it is long).
    const button = page.locator('.sheet').getByTestId(action);
    const bb = await button.boundingBox();
    assert.ok(bb && bb.y >= 0 && bb.y + bb.height <= b.h, `${lab}: ${action} at ${JSON.stringify(bb)} is off the screen`);
    await button.tap();
    await waitUntil(async () => (await target.getAttribute(attr)) === want, { message: `${lab}: ${attr}=${want} after ${action}` });
    // Still next to the node and on the screen after the action.
    const after = await boxes(page, node);
    assert.ok(after.sheet && after.sheet.top >= 0 && after.sheet.bottom <= after.h + 0.5, `${lab}: after ${action} the sheet is ${JSON.stringify(after.sheet)}`);
    // × closes it.
    await page.locator('.sheet').getByTestId('sheet-close').tap();
    await page.locator('.sheet').waitFor({ state: 'detached' });
    await close();
  }
}, { timeout: 180_000 });

browserTest('on a phone the sheet is reached and closed by keyboard: Enter opens it with the focus, Escape gives it back', async ({ session }) => {
  for (const [lab, node] of [['heartbeat', '3'], ['ring', '2'], ['cluster', 'm2']]) {
    const { page, close } = await pageAt(session, 'phone', `lab=${lab}`);
    const el = page.locator(`[data-testid=stage] [data-node-id="${node}"]`);
    // The node's focusable part (itself or its hit area).
    const focusable = (await el.getAttribute('tabindex')) !== null ? el : el.locator('[tabindex]').first();
    await focusable.focus();
    await page.keyboard.press('Enter');
    await page.locator('.sheet').waitFor();
    await waitUntil(() => page.evaluate(() => document.querySelector('.sheet')?.contains(document.activeElement)), {
      message: `${lab}: the focus moves into the sheet`,
    });
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.querySelector('.sheet').contains(document.activeElement) && document.activeElement.tagName === 'BUTTON'),
      `${lab}: Tab reaches the sheet's buttons`);
    await page.keyboard.press('Escape');
    await page.locator('.sheet').waitFor({ state: 'detached' });
    await waitUntil(() => focusable.evaluate((f) => f === document.activeElement), { message: `${lab}: the focus is back on the node` });
    await close();
  }
}, { timeout: 90_000 });

browserTest('at 1280×720 the selected node keeps its panel in the side column (no sheet, no ×)', async ({ session }) => {
  for (const [lab, node] of [['heartbeat', '1'], ['raft', '1']]) {
    const { page, close } = await pageAt(session, 'projector', `lab=${lab}`);
    await page.locator(`[data-testid=stage] [data-node-id="${node}"]`).click();
    const sheet = page.locator('.sheet');
    await sheet.waitFor();
    const st = await sheet.evaluate((s) => ({ position: getComputedStyle(s).position, style: s.getAttribute('style'), inSide: !!s.closest('.side') }));
    assert.deepEqual(st, { position: 'static', style: null, inSide: true }, `${lab}: the panel stays in the side column`);
    assert.equal(await sheet.getByTestId('sheet-close').isVisible(), false, `${lab}: no × beside the stage`);
    await close();
  }
});

browserTest("on a phone the system lab's preset lesson is in the first screen", async ({ session }) => {
  for (const id of ['system-leader-machine-dies', 'system-zone-spread']) {
    const { page, close } = await pageAt(session, 'phone', 'lab=system');
    await choosePreset(page, id);
    const lesson = page.getByTestId('preset-lesson');
    await lesson.waitFor();
    const r = await lesson.evaluate((el) => {
      const b = el.getBoundingClientRect();
      return { top: b.top + scrollY, bottom: b.bottom + scrollY, h: innerHeight };
    });
    assert.ok(r.top >= 0 && r.bottom <= r.h, `${id}: the lesson at ${JSON.stringify(r)} is below the first screen`);
    await close();
  }
});

// Presenter mode keeps the title line and the player fixed at the screen's edges for a projector;
// on a phone they are shown all the time (no hover) and took most of the screen, covering the
// stage's top and bottom. There they sit in the page's flow, as outside presenter mode.
browserTest('in presenter mode on a phone the title line and the player do not cover the stage', async ({ session }) => {
  for (const { lab, node } of LABS) {
    const { page, close } = await pageAt(session, 'phone', `lab=${lab}&present=1`);
    const target = page.locator(`[data-testid=stage] [data-node-id="${node}"]`);
    await target.waitFor();
    const r = await page.evaluate(() => {
      const doc = (sel) => {
        const b = document.querySelector(sel).getBoundingClientRect();
        return { top: b.top + scrollY, bottom: b.bottom + scrollY };
      };
      return { head: doc('.lab-head'), stage: doc('[data-testid=stage]'), controls: doc('.controls') };
    });
    const where = `${lab}: ${JSON.stringify(r)}`;
    const apart = (b) => b.bottom <= r.stage.top + 1 || b.top >= r.stage.bottom - 1;
    assert.ok(apart(r.head), `${where}: the title line overlaps the stage`);
    assert.ok(apart(r.controls), `${where}: the player overlaps the stage`);
    // A node scrolled into view is what a tap at its centre reaches.
    await target.scrollIntoViewIfNeeded();
    const hit = await target.evaluate((el) => {
      const b = el.getBoundingClientRect();
      const at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
      return !!at && (el === at || el.contains(at));
    });
    assert.ok(hit, `${lab}: node ${node} is covered`);
    await close();
  }
}, { timeout: 90_000 });
