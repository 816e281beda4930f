// One style sheet per page, cut from static/style.css: each page's sheet leaves out the rules that
// cannot match anything on it, so a page downloads its own lab's rules and not the other labs'
// (about 2.5 KB gzip off every page; the sheet grew with every lab). Used by the release/debug
// post-build hook (scripts/post-build.mjs writes css/<page>.css) and by the browser test that
// checks no rule left out of a page matches anything on it (tests/browser/css.test.mjs).
//
// Which pages a class can appear on is read from the app's sources: a class named in a page's
// folder `src/pages/<page>/` (its `mod.rs` and the files split from it, e.g. swim's
// `detect_compare.rs`; or in a page module it uses) belongs to that page; a class named
// anywhere else in `src/` (shared components, the app shell, the translation table), in
// `static/*.js` or in `index.html` belongs to every page, and so does a
// class named nowhere (built at run time, e.g. `format!("role-{…}")`). A selector can match on a
// page only if every class it requires can appear there (classes inside `:not()`, `:is()`,
// `:where()`, `:has()` and attribute selectors are not requirements); a rule is kept when any of
// its selectors can. Everything else — order, @media blocks, declarations — is left exactly as
// written, so the cascade on each page is the one the whole sheet gives.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir` (recursively) whose name ends with one of `exts`. */
function files(dir, exts) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(path);
  }
  return out;
}

/**
 * The pages each source file's classes can appear on: `src/pages/<p>/…` (or `src/pages/<p>.rs`)
 * → `p` and every page whose module uses it (`super::<p>` / `pages::<p>`); `src/pages/mod.rs`
 * → none; every other source → all pages.
 */
function sourcePages(root, pages) {
  const pageDir = join(root, 'src', 'pages');
  const sources = [
    ...files(join(root, 'src'), ['.rs']),
    ...files(join(root, 'static'), ['.js']),
    join(root, 'index.html'),
  ];
  const text = new Map(sources.map((f) => [f, readFileSync(f, 'utf8')]));
  const stemOf = (f) => {
    const rel = relative(pageDir, f);
    return rel.startsWith('..') ? null : rel.split(/[\\/]/)[0].replace(/\.rs$/, '');
  };
  const byFile = new Map();
  for (const f of sources) {
    const stem = stemOf(f);
    if (stem === null) byFile.set(f, new Set(pages));
    else if (stem === 'mod') byFile.set(f, new Set());
    else {
      // The page itself, and the pages whose modules name this one.
      const users = new Set(pages.includes(stem) ? [stem] : []);
      for (const [g, t] of text) {
        const user = stemOf(g);
        if (user && pages.includes(user) && new RegExp(`\\b(super|pages)::${stem}\\b`).test(t)) users.add(user);
      }
      byFile.set(f, users);
    }
  }
  return { text, byFile };
}

/** Blanks comments (same length, so offsets into the source stay valid). */
const blankComments = (css) => css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));

/** The classes a selector requires (not those inside functional pseudo-classes or attributes). */
function requiredClasses(selector) {
  let s = selector.replace(/\[[^\]]*\]/g, '');
  // Innermost parentheses first, until none are left.
  for (let prev; prev !== s; ) {
    prev = s;
    s = s.replace(/\([^()]*\)/g, '');
  }
  return [...s.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)].map((m) => m[1]);
}

/**
 * The style rules of `css` in order: `{ start, end, selectors }` (offsets into `css`, `end` after
 * the rule's `}`), descending into @media/@supports/@container/@layer blocks; other at-rules
 * (@keyframes, @font-face, …) are never left out.
 */
export function styleRules(css) {
  const s = blankComments(css);
  const rules = [];
  const fail = (at, m) => {
    throw new Error(`page-css: ${m} at offset ${at} of the style sheet`);
  };
  const closing = (open) => {
    let depth = 1;
    let k = open + 1;
    for (; depth > 0 && k < s.length; k++) {
      if (s[k] === '{') depth++;
      else if (s[k] === '}') depth--;
    }
    if (depth) fail(open, 'unbalanced braces');
    return k; // after the matching `}`
  };
  const walk = (from, to) => {
    let i = from;
    while (i < to) {
      const open = s.indexOf('{', i);
      if (open < 0 || open >= to) {
        if (s.slice(i, to).trim()) fail(i, 'text outside any rule');
        return;
      }
      const prelude = s.slice(i, open);
      const start = i + prelude.length - prelude.trimStart().length;
      const head = prelude.trim();
      const end = closing(open);
      if (/^@(media|supports|container|layer)\b/.test(head)) walk(open + 1, end - 1);
      else if (!head.startsWith('@')) {
        if (s.slice(open + 1, end - 1).includes('{')) fail(open, 'a nested rule');
        rules.push({ start, end, selectors: head.split(',').map((x) => x.trim()) });
      }
      i = end;
    }
  };
  walk(0, s.length);
  return rules;
}

/**
 * For each page, the rules of `css` left out of its sheet: `{ page: [rule, …] }`, from the
 * sources under `root`.
 */
export function leftOut(root, css, pages) {
  const { text, byFile } = sourcePages(root, pages);
  const cache = new Map();
  const pagesOfClass = (c) => {
    if (!cache.has(c)) {
      const re = new RegExp(`(?<![\\w-])${c.replace(/[-]/g, '\\-')}(?![\\w-])`);
      const on = new Set();
      for (const [f, t] of text) if (re.test(t)) for (const p of byFile.get(f)) on.add(p);
      cache.set(c, on.size ? on : new Set(pages)); // named nowhere: built at run time
    }
    return cache.get(c);
  };
  const out = Object.fromEntries(pages.map((p) => [p, []]));
  for (const rule of styleRules(css)) {
    const can = new Set();
    for (const sel of rule.selectors) {
      let on = new Set(pages);
      for (const c of requiredClasses(sel)) on = new Set([...on].filter((p) => pagesOfClass(c).has(p)));
      for (const p of on) can.add(p);
    }
    for (const p of pages) if (!can.has(p)) out[p].push(rule);
  }
  return out;
}

/** `css` without `rules` (offsets from [`styleRules`] of the same text). */
export function without(css, rules) {
  let out = '';
  let at = 0;
  for (const r of [...rules].sort((a, b) => a.start - b.start)) {
    out += css.slice(at, r.start);
    at = r.end;
  }
  return out + css.slice(at);
}

/** The pages: `home` and the labs of index.html's loader list (`const labs = [...]`). */
export function pageNames(root) {
  const line = readFileSync(join(root, 'index.html'), 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('const labs = ['));
  if (!line) throw new Error('page-css: index.html has no `const labs = [...]` line');
  return ['home', ...JSON.parse(line.trim().replace(/^const labs = /, '').replace(/;$/, ''))];
}

/** Each page's sheet: `{ page: css }`. */
export function pageSheets(root) {
  const css = readFileSync(join(root, 'static', 'style.css'), 'utf8');
  const pages = pageNames(root);
  const out = leftOut(root, css, pages);
  return Object.fromEntries(pages.map((p) => [p, without(css, out[p])]));
}
