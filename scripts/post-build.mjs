// Trunk post-build hook (Trunk.toml [[hooks]]). Every build: writes each page's style sheet,
// css/<page>.css (static/style.css without the rules that cannot match on that page, see
// scripts/page-css.mjs; index.html's first script links the page's sheet). Release builds: the
// sheets minified, and what Trunk's own minifier leaves as is — each bundle's wasm-bindgen glue (`ha-*.js`; Trunk's JS minifier cannot
// parse it and skips it with a warning) with esbuild, and the comments of index.html's inline
// scripts (about 2 KB gzip off every page); then it gives the names the glue and the wasm share —
// wasm-bindgen's hashed import names (`__wbg_addEventListener_847fd86b8c33ec43`, ~150 per
// bundle, in both files, and random hex compresses badly), the import module name and the long
// export names — short names in both files (about 6 KB gzip off every page). Debug builds are
// left readable.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { pageSheets } from './page-css.mjs';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('post-build: TRUNK_STAGING_DIR is not set (run by trunk as a post_build hook)');
  process.exit(1);
}
const release = process.env.TRUNK_PROFILE === 'release';

mkdirSync(join(dir, 'css'), { recursive: true });
for (const [page, css] of Object.entries(pageSheets(process.env.TRUNK_SOURCE_DIR ?? '.'))) {
  // esbuild keeps the space after a custom property's colon (`--bg: #f7f7f4`); CSS trims it.
  const out = release ? transformSync(css, { loader: 'css', minify: true }).code.replace(/(--[\w-]+):\s+/g, '$1:') : css;
  writeFileSync(join(dir, 'css', `${page}.css`), out);
}
if (!release) process.exit(0);

for (const f of readdirSync(dir)) {
  if (!/^ha-[a-z-]+\.js$/.test(f)) continue;
  const path = join(dir, f);
  const { code } = transformSync(readFileSync(path, 'utf8'), { minify: true, format: 'esm', target: 'es2020' });
  const wasm = join(dir, f.replace(/\.js$/, '_bg.wasm'));
  if (!existsSync(wasm)) {
    writeFileSync(path, code);
    continue;
  }
  const renamed = shortNames(readFileSync(wasm), code, f);
  writeFileSync(wasm, renamed.wasm);
  writeFileSync(path, renamed.js);
}

/**
 * Renames the wasm module's imports (module and field names) and its exports other than
 * `memory` and `main` to short names, and the same names in its glue. The glue names each import
 * once, as a key of the imports object, and each export as a property of the instance's exports;
 * every long name is a unique identifier, so a whole-word replacement is exact. Anything
 * unexpected (an import kind this does not know, the module name not found exactly once, a name
 * the glue does not contain) stops the build instead of shipping a bundle that cannot link.
 */
function shortNames(buf, js, what) {
  const fail = (m) => {
    throw new Error(`post-build: ${what}: ${m}`);
  };
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const leb = (n) => {
    const o = [];
    do {
      let b = n & 127;
      n >>>= 7;
      if (n) b |= 128;
      o.push(b);
    } while (n);
    return o;
  };
  const readLeb = (p) => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = buf[p++];
      r += (x & 127) * 2 ** s;
      s += 7;
    } while (x & 128);
    return [r, p];
  };
  const readStr = (p) => {
    const [l, q] = readLeb(p);
    return [dec.decode(buf.subarray(q, q + l)), q + l];
  };
  const str = (s) => {
    const e = enc.encode(s);
    return [...leb(e.length), ...e];
  };
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const names = new Map();
  const short = (n) => {
    if (!names.has(n)) {
      let i = names.size;
      let s = '';
      do {
        s = letters[i % 52] + s;
        i = Math.floor(i / 52) - 1;
      } while (i >= 0);
      names.set(n, s);
    }
    return names.get(n);
  };
  if (buf.readUInt32LE(0) !== 0x6d736100) fail('not a wasm module');
  const out = [buf.subarray(0, 8)];
  let module;
  let p = 8;
  while (p < buf.length) {
    const id = buf[p];
    const [len, start] = readLeb(p + 1);
    const end = start + len;
    if (id === 2 || id === 7) {
      let [count, r] = readLeb(start);
      const body = [...leb(count)];
      for (let i = 0; i < count; i++) {
        let name;
        if (id === 2) {
          let m;
          [m, r] = readStr(r);
          if (module !== undefined && m !== module) fail(`two import modules (${module}, ${m})`);
          module = m;
          [name, r] = readStr(r);
          body.push(...str('a'), ...str(short(name)));
        } else {
          [name, r] = readStr(r);
          body.push(...str(name === 'memory' || name === 'main' ? name : short(name)));
        }
        const desc = r;
        const kind = buf[r++];
        if (id === 7 || kind === 0) [, r] = readLeb(r); // function/table/memory/global index, or a function's type
        else if (kind === 1 || kind === 2) {
          if (kind === 1) r++; // table: element type
          const limits = buf[r++];
          [, r] = readLeb(r);
          if (limits & 1) [, r] = readLeb(r);
        } else if (kind === 3) r += 2; // global: value type, mutability
        else fail(`import kind ${kind}`);
        body.push(...buf.subarray(desc, r));
      }
      if (r !== end) fail(`section ${id} does not end where its size says`);
      out.push(Uint8Array.from([id, ...leb(body.length), ...body]));
    } else {
      out.push(buf.subarray(p, end));
    }
    p = end;
  }
  const quoted = JSON.stringify(module);
  if (js.split(quoted).length !== 2) fail(`the import module ${quoted} is not named once in the glue`);
  js = js.replace(quoted, 'a');
  for (const [long, s] of names) {
    const re = new RegExp(`\\b${long}\\b`, 'g');
    const n = (js.match(re) ?? []).length;
    if (n === 0 && !/^__(abort_handler|instance_terminated)$/.test(long)) fail(`the glue does not name ${long}`);
    js = js.replace(re, s);
  }
  return { wasm: Buffer.concat(out.map((x) => Buffer.from(x))), js };
}

// index.html: its inline scripts (the theme script and the loader, documented in the source
// index.html) minified too, and the build's own `<link data-trunk …>` tags that Trunk leaves in
// (the browser ignores them; every page downloads index.html).
const index = join(dir, 'index.html');
const html = readFileSync(index, 'utf8')
  .replace(/<link\b[^>]*\bdata-trunk\b[^>]*>/g, '')
  .replace(
    /(<script\b([^>]*)>)([\s\S]*?)(<\/script>)/g,
    (_, open, attrs, body, close) => {
      const esm = /type=["']?module/.test(attrs);
      const { code } = transformSync(body, { minify: true, target: 'es2022', format: esm ? 'esm' : undefined });
      return open + code.trim() + close;
    },
  );
writeFileSync(index, html);
