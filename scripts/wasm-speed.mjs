// Engine speed natively and compiled to wasm32, run in Node, side by side (issue 11: wasm within
// 1.5× of native per event). The same workloads (engine/examples/speed/work.rs) are built twice
// from tools/wasm-speed: a native binary and a bindings-free wasm module, at opt-level 3 and at
// the page's opt-level "z". Best of N runs each (and of as many as fit in half a second).
//
//   node scripts/wasm-speed.mjs [runs]      (builds with cargo first; needs wasm32-unknown-unknown)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const crate = path.join(root, 'tools/wasm-speed');
const reps = Number(process.argv[2] ?? 5);
const cargo = (args) => execFileSync('cargo', args, { cwd: crate, stdio: ['ignore', 'inherit', 'inherit'] });

cargo(['build', '--release', '--bin', 'wasm-speed-native']);
cargo(['build', '--release', '--lib', '--target', 'wasm32-unknown-unknown']);
cargo(['build', '--profile', 'small', '--lib', '--target', 'wasm32-unknown-unknown']);

const native = {};
const out = execFileSync(path.join(crate, 'target/release/wasm-speed-native'), [String(reps)]).toString();
for (const line of out.trim().split('\n')) {
  const [name, n, ms] = line.split(' ');
  native[name] = { n: Number(n), ms: Number(ms) };
}

async function load(profile) {
  const bytes = readFileSync(path.join(crate, `target/wasm32-unknown-unknown/${profile}/wasm_speed.wasm`));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports;
}
const workloads = {
  raft5: (w) => w.raft_loaded(5, 5_000, 0),
  'raft5-60s-tail': (w) => w.raft_loaded(5, 60_000, 1),
  'hb50-tail': (w) => w.heartbeat(50, 10_000, 1),
  'fig16-100': (w) => w.fig16_runs(100),
  'lb-open-5s': (w) => w.lb_open(5_000),
};
const wasm = { o3: await load('release'), z: await load('small') };
// Warm up: V8 first runs wasm through its baseline compiler and tiers up hot functions later.
for (const w of Object.values(wasm)) for (const f of Object.values(workloads)) f(w);
// Best of `reps` runs, and of as many as fit in half a second for short workloads (as the
// native side does).
const best = (f) => {
  let ms = Infinity;
  let n = 0;
  const start = performance.now();
  for (let i = 0; i < reps || performance.now() - start < 500; i++) {
    const t = performance.now();
    n = f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { n, ms };
};
// Issue 11's target: the engine compiled to wasm32 within 1.5× of its native time per event
// (the opt-level 3 build; the pages' "z" build is printed beside it).
console.log('workload          events/runs   native ms   wasm(3) ms  ratio   wasm(z) ms  ratio   wasm(3) ≤ 1.5×');
let met = 0;
for (const [name, f] of Object.entries(workloads)) {
  const a = native[name];
  const b = best(() => f(wasm.o3));
  const c = best(() => f(wasm.z));
  if (b.n !== a.n || c.n !== a.n) throw new Error(`${name}: native ${a.n}, wasm ${b.n}/${c.n} events differ`);
  const r = (x) => (x.ms / a.ms).toFixed(2).padStart(6);
  const ok = b.ms <= 1.5 * a.ms;
  met += ok;
  console.log(`${name.padEnd(17)} ${String(a.n).padStart(11)} ${a.ms.toFixed(1).padStart(11)} ${b.ms.toFixed(1).padStart(12)} ${r(b)} ${c.ms.toFixed(1).padStart(12)} ${r(c)}   ${ok ? 'met' : 'not met'}`);
}
const all = Object.keys(workloads).length;
console.log(`target (issue 11), wasm within 1.5× of native: met by ${met} of ${all} workloads`);
