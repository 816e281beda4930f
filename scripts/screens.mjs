// Screenshots of pages as a teacher and a student see them: 1280×720, 150 % zoom (a 1280×720
// projector at 150 %: 853×480 CSS pixels at 1.5 device pixels each) and a 360×740 phone.
//   node scripts/screens.mjs OUTDIR 'lab=raft' 'lab=ring&…' …    (build dist/ first)
// Writes OUTDIR/<n>-<size>.png and prints, per shot, the page width against the viewport
// (sideways scroll) and whether the stage's picture is inside the first screen.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_READY, launchBrowser, startServer } from '../tests/browser/lib.mjs';

const [outDir, ...queries] = process.argv.slice(2);
const SIZES = [
  { name: '1280', viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 },
  { name: 'zoom150', viewport: { width: 853, height: 480 }, deviceScaleFactor: 1.5 },
  { name: 'phone', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
];

await mkdir(outDir, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
try {
  for (const [i, q] of queries.entries()) {
    for (const size of SIZES) {
      const ctx = await browser.newContext(size);
      const page = await ctx.newPage();
      await page.goto(`${server.origin}/?${q}`);
      await page.waitForSelector(APP_READY, { state: 'attached' }); // hidden in presenter and embed modes
      await page.waitForTimeout(400);
      const info = await page.evaluate(() => {
        const stage = document.querySelector('[data-testid=stage] svg');
        const r = stage?.getBoundingClientRect();
        // Rendered size of every stage text (CSS px), smallest per class.
        const small = {};
        for (const t of document.querySelectorAll('[data-testid=stage] svg text')) {
          const svg = t.ownerSVGElement;
          const px = parseFloat(getComputedStyle(t).fontSize) * (svg.getScreenCTM()?.a ?? 1);
          const key = t.getAttribute('class') || t.parentElement.getAttribute('class') || 'text';
          if (px < 12 && t.textContent.trim()) small[key] = Math.min(small[key] ?? 99, Math.round(px * 10) / 10);
        }
        return {
          small,
          scrollWidth: document.documentElement.scrollWidth,
          stageBottom: r ? Math.round(r.bottom) : null,
          innerHeight: window.innerHeight,
        };
      });
      const file = join(outDir, `${i}-${size.name}.png`);
      await page.screenshot({ path: file });
      console.log(`${file}  ${q}  width ${info.scrollWidth}/${size.viewport.width}  stage bottom ${info.stageBottom}/${info.innerHeight}  text<12px ${JSON.stringify(info.small)}`);
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
