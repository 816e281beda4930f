// The availability calculator on the home page (issue 13): typed like a user, checked on what is
// shown. Test ids: avail-input-*, avail-error-*, avail-downtime-<period>, avail-system-result,
// avail-mc-result, avail-mmc-*.
import assert from 'node:assert/strict';
import { browserTest, waitUntil } from './lib.mjs';

/** Clears a field and types `text` key by key, as a user would. */
async function type(page, testid, text) {
  const field = page.getByTestId(testid);
  await field.fill('');
  await field.pressSequentially(String(text));
  await waitUntil(async () => (await field.inputValue()) === String(text), { message: `${testid} holds ${text}` });
}

/** Waits until the element shows `expected` (a string: exactly; a RegExp: a match). The page
 *  re-renders after the last key press, so one read right after typing can see the text of an
 *  earlier key (CI saw the message for "1000h" after typing "1000h/0h"). */
async function shows(page, testid, expected, message) {
  const ok = (s) => (expected instanceof RegExp ? expected.test(s) : s === expected);
  let last = '';
  try {
    await waitUntil(async () => ok((last = await text(page, testid))), { message: `${testid} shows ${expected}` });
  } catch {
    if (expected instanceof RegExp) assert.match(last, expected, message);
    else assert.equal(last, expected, message);
  }
}

const text = (page, testid) => page.getByTestId(testid).innerText();
const param = (page, key) => new URL(page.url()).searchParams.get(key);

browserTest('nines ↔ downtime: 99.9 % allows 8h 45m 57s a year, five nines about 5 minutes', async ({ openPage }) => {
  const page = await openPage('');
  await page.getByTestId('avail-calculator').scrollIntoViewIfNeeded();
  await type(page, 'avail-input-percent', '99.9');
  await shows(page, 'avail-downtime-year', '8h 45m 57s');
  await shows(page, 'avail-downtime-month30', '43m 12s');
  await shows(page, 'avail-downtime-day', '1m 26s');
  assert.equal(await page.getByTestId('avail-input-nines').inputValue(), '3');
  await type(page, 'avail-input-nines', '5');
  await shows(page, 'avail-downtime-year', '5m 16s');
  assert.equal(await page.getByTestId('avail-input-percent').inputValue(), '99.999');
  await page.getByTestId('avail-pick-99.95').click();
  await shows(page, 'avail-nines-result', /99\.95 % = 3\.3 nines/);
  await waitUntil(() => param(page, 'av') === '99.95', { message: 'av=99.95 in the link' });
});

browserTest('a hostile value shows a message next to its field and a safe default, never a panic', async ({ openPage }) => {
  const page = await openPage('');
  await type(page, 'avail-input-percent', '150');
  await shows(page, 'avail-error-percent', /at most 100 %.*using 99\.9 %/);
  await shows(page, 'avail-downtime-year', '8h 45m 57s', 'the default is used meanwhile');
  await type(page, 'avail-input-comp-1', '1000h/0h');
  await shows(page, 'avail-error-comp-1', /MTTR must be above 0/);
  await shows(page, 'avail-system-error', /component 2/);
  assert.ok(await page.getByTestId('avail-mc-run').isDisabled(), 'nothing to simulate');
  await type(page, 'avail-input-pods', '99999');
  await shows(page, 'avail-error-pods', /pods must be 1–10000/);
  await type(page, 'avail-input-rps', 'lots');
  await shows(page, 'avail-error-rps', /not a number/);
  await type(page, 'avail-input-years', '1000000');
  await shows(page, 'avail-error-years', /3–10000/);
});

browserTest('series adds the downtimes, parallel multiplies the unavailabilities; simulated years agree with the formula', async ({ openPage }) => {
  const page = await openPage('');
  await type(page, 'avail-input-comp-0', '99.9');
  await type(page, 'avail-input-comp-1', '99.9');
  await shows(page, 'avail-system-result', /System availability 99\.8 % /);
  await page.getByTestId('avail-arr').selectOption('parallel');
  await shows(page, 'avail-system-result', /System availability 99\.9999 % \(6 nines\)/);
  await page.getByTestId('avail-arr').selectOption('kofn');
  await page.getByTestId('avail-add-comp').click();
  await type(page, 'avail-input-k', '2');
  await type(page, 'avail-input-comp-2', '500h/5h');
  await shows(page, 'avail-system-text', '2of(99.9%, 99.9%, 500h/5h)');
  await page.getByTestId('avail-arr').selectOption('series');
  await page.getByTestId('avail-mc-run').click();
  const mc = page.getByTestId('avail-mc-result');
  await mc.waitFor();
  const [lo, hi, formula] = await Promise.all(['data-lo', 'data-hi', 'data-formula'].map((a) => mc.getAttribute(a)).map(async (p) => Number(await p)));
  assert.ok(lo < hi, `an interval: ${lo}–${hi}`);
  assert.ok(lo <= formula && formula <= hi, `formula ${formula} inside the 95 % CI ${lo}–${hi}`);
  assert.match(await mc.innerText(), /Simulated 100 years \(seed 1\).*95 % CI/);
  assert.match(await mc.innerText(), /inside the 95 % interval/);
  // Same inputs, same seed: the same numbers.
  const before = await mc.innerText();
  await page.getByTestId('avail-mc-run').click();
  assert.equal(await mc.innerText(), before);
});

browserTest('capacity: utilisation, p99 and the pods needed; unstable said in words; simulation checks the mean wait', async ({ openPage }) => {
  const page = await openPage('');
  await type(page, 'avail-input-rps', '800');
  await type(page, 'avail-input-svc', '20');
  await type(page, 'avail-input-pods', '20');
  await type(page, 'avail-input-slo', '100');
  await shows(page, 'avail-mmc-util', '80 %');
  await shows(page, 'avail-mmc-p99', '93.74 ms');
  await shows(page, 'avail-mmc-needed', /19 pods/);
  await page.getByTestId('avail-mmc-sim').click();
  const sim = page.getByTestId('avail-mmc-sim-result');
  await sim.waitFor();
  const [lo, hi, formula] = await Promise.all(['data-lo', 'data-hi', 'data-formula'].map(async (a) => Number(await sim.getAttribute(a))));
  assert.ok(lo <= formula && formula <= hi, `formula ${formula} in ${lo}–${hi}`);
  await type(page, 'avail-input-pods', '16');
  await shows(page, 'avail-mmc-unstable', /unstable: utilisation 100 %.*at least 17 pods/);
  assert.ok(await page.getByTestId('avail-mmc-sim').isDisabled());
  const shown = await page.getByTestId('avail-calculator').innerText();
  assert.doesNotMatch(shown, /NaN|inf/i, 'no NaN or infinity shown');
  await type(page, 'avail-input-slo', '50');
  await shows(page, 'avail-mmc-needed', /impossible: .*service time alone is 92\.103 ms/);
});

browserTest('the link round-trips the calculator, and a hostile link gets messages, not a banner', async ({ openPage, newSession }) => {
  const page = await openPage('');
  await type(page, 'avail-input-percent', '99.95');
  await page.getByTestId('avail-arr').selectOption('parallel');
  await type(page, 'avail-input-comp-0', '1000h/4h');
  await type(page, 'avail-input-pods', '25');
  await waitUntil(() => param(page, 'avpods') === '25', { message: 'avpods=25 in the link' });
  const link = page.url();
  const result = await text(page, 'avail-system-result');
  const other = await (await newSession()).openPage(link);
  assert.equal(await other.getByTestId('avail-input-percent').inputValue(), '99.95');
  assert.equal(await other.getByTestId('avail-arr').inputValue(), 'parallel');
  assert.equal(await other.getByTestId('avail-input-comp-0').inputValue(), '1000h/4h');
  assert.equal(await other.getByTestId('avail-input-pods').inputValue(), '25');
  assert.equal(await text(other, 'avail-system-result'), result);
  assert.equal(await other.getByTestId('error-banner').count(), 0, 'the av… keys are not a lab problem');

  const bad = await (await newSession()).openPage('av=%3Cscript%3E&avarr=zigzag&avc=x;1000h/-1h&avslo=-5');
  assert.match(await text(bad, 'avail-error-percent'), /not a percentage/);
  assert.match(await text(bad, 'avail-link-notes'), /avarr.*not series, parallel or kofn/);
  assert.match(await text(bad, 'avail-error-comp-0'), /x/);
  assert.match(await text(bad, 'avail-error-slo'), /latency target/);
  assert.equal(await text(bad, 'avail-downtime-year'), '8h 45m 57s');
});
