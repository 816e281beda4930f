// Serves the built site (dist/) on 127.0.0.1 — the same static files a host would publish, with
// no live-reload script (unlike `trunk serve`).   node scripts/serve-dist.mjs [port]
import { DIST, startServer } from '../tests/browser/lib.mjs';

const port = Number(process.argv[2] ?? 8080);
const server = await startServer(DIST, port);
console.log(`HA Playground on ${server.origin}/ (serving ${DIST}; Ctrl-C to stop)`);
