// The smallest rendered text on each lab's stage (CSS px) at 1280×720, 150 % zoom and 360×740.
//   node scripts/min-text.mjs 'lab=raft' 'lab=ring' …    (build dist/ first)
import { APP_READY, launchBrowser, startServer } from '../tests/browser/lib.mjs';

const SIZES = [
  { name: '1280', viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 },
  { name: 'zoom150', viewport: { width: 853, height: 480 }, deviceScaleFactor: 1.5 },
  { name: 'phone', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
];
const server = await startServer();
const browser = await launchBrowser();
try {
  for (const q of process.argv.slice(2)) {
    const row = [];
    for (const size of SIZES) {
      const ctx = await browser.newContext(size);
      const page = await ctx.newPage();
      await page.goto(`${server.origin}/?${q}`);
      await page.waitForSelector(APP_READY, { state: 'attached' }); // hidden in presenter and embed modes
      await page.waitForTimeout(500);
      const min = await page.evaluate(() => Math.min(...[...document.querySelectorAll('[data-testid=stage] svg text')]
        .filter((t) => t.textContent.trim())
        .map((t) => parseFloat(getComputedStyle(t).fontSize) * (t.ownerSVGElement.getScreenCTM()?.a ?? 1))));
      row.push(`${size.name} ${min.toFixed(1)} px`);
      await ctx.close();
    }
    console.log(`${q}: ${row.join(', ')}`);
  }
} finally {
  await browser.close();
  await server.close();
}
