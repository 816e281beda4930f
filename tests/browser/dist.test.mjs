// The published build: what `trunk build --release` leaves in dist/ is what a static host serves.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIST } from './lib.mjs';

test('the built site carries no live-reload script or dev-server address', async () => {
  for (const name of await readdir(DIST)) {
    if (!/\.(html|js)$/.test(name)) continue;
    const text = await readFile(join(DIST, name), 'utf8');
    assert.doesNotMatch(text, /__trunk_address__|__TRUNK_ADDRESS__|live.?reload|new WebSocket\(/i, `${name} has dev-server code`);
  }
});
