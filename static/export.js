// The stage's picture as a file (issue 14's export), loaded only when a reader asks for one
// (index.html's `haExport`; no page downloads it up front). A standalone SVG with the style each
// element has on the page written into it (the style sheet's classes, the theme and the stage
// scale resolved, so it looks the same opened anywhere), and a PNG drawn from that SVG on a
// canvas at twice the on-screen size. Pure presentation: the simulation is not involved.

/** Presentation properties an SVG picture needs, each with the value that can be left out. */
const PROPS = [
  ['fill', ''], ['fill-opacity', '1'], ['stroke', 'none'], ['stroke-width', '1px'],
  ['stroke-dasharray', 'none'], ['stroke-dashoffset', '0px'], ['stroke-linecap', 'butt'],
  ['stroke-linejoin', 'miter'], ['stroke-opacity', '1'], ['opacity', '1'], ['font-size', ''],
  ['font-weight', '400'], ['font-family', ''], ['text-anchor', 'start'],
  ['dominant-baseline', 'auto'], ['paint-order', 'normal'], ['visibility', 'visible'],
  ['display', 'inline'],
];
const SVG_NS = 'http://www.w3.org/2000/svg';

function inlineStyle(el) {
  const cs = getComputedStyle(el);
  let out = '';
  for (const [p, dflt] of PROPS) {
    const v = cs.getPropertyValue(p);
    if (v && v !== dflt) out += `${p}:${v};`;
  }
  return out;
}

/** The stage's first SVG as a standalone document, with its size in CSS pixels. */
export function stageSvg() {
  const svg = document.querySelector('[data-testid=stage] svg');
  if (!svg) return null;
  const copy = svg.cloneNode(true);
  const from = svg.querySelectorAll('*');
  const to = copy.querySelectorAll('*');
  // Classes stay (names to restyle by); the look no longer depends on them.
  for (let i = 0; i < Math.min(from.length, to.length); i++) to[i].setAttribute('style', inlineStyle(from[i]));
  const r = svg.getBoundingClientRect();
  const width = Math.max(1, Math.round(r.width));
  const height = Math.max(1, Math.round(r.height));
  copy.setAttribute('xmlns', SVG_NS);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('style', inlineStyle(svg));
  // The stage's background under the picture (a PNG has no page behind it).
  const stage = svg.closest('[data-testid=stage]');
  const bg = (stage && getComputedStyle(stage).backgroundColor) || '#fff';
  const vb = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).filter(Boolean);
  if (vb.length === 4) {
    const rect = document.createElementNS(SVG_NS, 'rect');
    ['x', 'y', 'width', 'height'].forEach((k, i) => rect.setAttribute(k, vb[i]));
    rect.setAttribute('fill', bg);
    copy.prepend(rect);
  }
  const text = new XMLSerializer().serializeToString(copy);
  return { text: `<?xml version="1.0" encoding="UTF-8"?>\n${text}\n`, width, height };
}

function download(name, url) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

/** Downloads the stage's picture as `<stem>.svg` (kind `svg`) or `<stem>.png` (kind `png`). */
export function exportPicture(kind, stem) {
  const pic = stageSvg();
  if (!pic) return;
  if (kind === 'svg') {
    const url = URL.createObjectURL(new Blob([pic.text], { type: 'image/svg+xml' }));
    download(`${stem}.svg`, url);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return;
  }
  const img = new Image();
  img.onload = () => {
    const canvas = document.createElement('canvas');
    canvas.width = pic.width * 2;
    canvas.height = pic.height * 2;
    canvas.getContext('2d').drawImage(img, 0, 0, pic.width * 2, pic.height * 2);
    download(`${stem}.png`, canvas.toDataURL('image/png'));
  };
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(pic.text)}`;
}
