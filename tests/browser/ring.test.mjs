// Browser tests of the consistent-hashing lab. Server rows carry data-node-id, data-status and
// data-keys; the statistics expose stat-stddev, stat-cv, stat-max-mean, stat-moved.
import assert from 'node:assert/strict';
import { browserTest, waitUntil } from './lib.mjs';

async function rows(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.server-row[data-node-id]')].map((el) => [
        el.getAttribute('data-node-id'),
        { status: el.getAttribute('data-status'), keys: Number(el.getAttribute('data-keys')) },
      ]),
    ),
  );
}

const stat = (page, id) => page.getByTestId(id).getAttribute('data-value');

browserTest('adding a node moves about 1/(N+1) of the keys, all to the new node', async ({ openPage }) => {
  const page = await openPage('lab=ring&n=10&vn=160');
  const before = await rows(page);
  assert.equal(Object.keys(before).length, 10);
  assert.equal(await stat(page, 'stat-moved'), '');
  await page.getByTestId('action-add').click();
  await waitUntil(async () => Object.keys(await rows(page)).length === 11, { message: 'an eleventh server' });
  const moved = Number(await stat(page, 'stat-moved'));
  assert.ok(moved > 700 && moved < 1100, `about 10000/11 keys moved: ${moved}`);
  const after = await rows(page);
  assert.equal(after['10'].keys, moved, 'every moved key went to the new node');
  for (const id of Object.keys(before)) assert.ok(after[id].keys <= before[id].keys, `n${id} only lost keys`);
  assert.match(new URL(page.url()).searchParams.get('ops') ?? '', /add:n10/);
});

browserTest('a failed node stays on the ring and its keys go to replicas; recovery brings them back', async ({ openPage }) => {
  const page = await openPage('lab=ring&v=1&seed=1&n=5&ops=1000:fail:n2;4000:recover:n2');
  const before = await rows(page);
  await page.getByTestId('step').click();
  await waitUntil(async () => (await rows(page))['2']?.status === 'down', { message: 'n2 down' });
  const failed = await rows(page);
  assert.equal(failed['2'].keys, 0, 'a failed node serves nothing');
  assert.equal(Number(await stat(page, 'stat-moved')), before['2'].keys, 'exactly its keys moved');
  await page.getByTestId('step').click();
  await waitUntil(async () => (await rows(page))['2']?.status === 'up', { message: 'n2 recovered' });
  assert.deepEqual(await rows(page), before, 'recovery restores the exact assignment');
});

browserTest('more virtual nodes lower the standard deviation', async ({ openPage }) => {
  const page = await openPage('lab=ring&n=4&vn=1');
  const lumpy = Number(await stat(page, 'stat-cv'));
  await page.getByTestId('param-vn').fill('200');
  await page.getByTestId('param-vn').press('Tab');
  await waitUntil(async () => Number(await stat(page, 'stat-cv')) < lumpy / 4, { message: 'CV falls' });
  assert.ok(Number(await stat(page, 'stat-max-mean')) < 1.2);
});

browserTest('compare mode lists every scheme; a shared link opens the same ring', async ({ openPage, newSession }) => {
  const page = await openPage('lab=ring&v=1&seed=1&n=10&vn=160&ops=1000:add:n10&t=1000');
  await page.getByTestId('compare-run').click();
  const modn = Number(await page.getByTestId('compare-modn').getAttribute('data-moved'));
  const ring = Number(await page.getByTestId('compare-ring').getAttribute('data-moved'));
  assert.ok(modn > 80 && ring < 15, `mod-N moves most keys (${modn}%), the ring few (${ring}%)`);
  await page.getByTestId('lookup-input').fill('user:7');
  await page.getByTestId('lookup').click();
  const owner = await page.getByTestId('walk-result').getAttribute('data-owner');
  assert.match(owner, /^n\d+$/);

  const expected = { rows: await rows(page), sd: await stat(page, 'stat-stddev') };
  await page.getByTestId('copy-link').click();
  const link = await page.getByTestId('share-url').inputValue();
  const fresh = await newSession();
  const page2 = await fresh.openPage(link);
  assert.deepEqual({ rows: await rows(page2), sd: await stat(page2, 'stat-stddev') }, expected);
});

browserTest('a bad ring link names the parameter and loads defaults', async ({ openPage }) => {
  const page = await openPage('lab=ring&vn=99999&scheme=maglev:100&ops=1:explode:n1');
  const text = await page.getByTestId('error-banner').innerText();
  for (const p of ['vn', 'scheme', 'ops']) assert.match(text, new RegExp(`\\b${p}\\b`));
  assert.equal(Object.keys(await rows(page)).length, 5);
});

browserTest('remove, weight and the vnode sweep', async ({ openPage }) => {
  const page = await openPage('lab=ring&n=5&vn=100');
  await page.locator('.server-row[data-node-id="1"]').click();
  await page.getByTestId('action-weight-up').click();
  await waitUntil(async () => (await rows(page))['1'].keys > 2500, { message: 'weight 2 roughly doubles n1' });
  await page.locator('.server-row[data-node-id="3"]').click();
  await page.getByTestId('action-remove').click();
  await waitUntil(async () => !('3' in (await rows(page))), { message: 'n3 decommissioned' });
  assert.match(new URL(page.url()).searchParams.get('ops') ?? '', /weight:n1:2;.*remove:n3/);
  await page.getByTestId('sweep-run').click();
  await page.locator('[data-testid=sweep-chart] polyline').first().waitFor();
  assert.equal(await page.locator('[data-testid=sweep-chart] circle').count(), 11);
});
