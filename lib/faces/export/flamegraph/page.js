// The flame graph page's script. It runs in the browser, inline in the page
// lib/faces/export/flamegraph.ts writes, right after format-size.js (whose
// formatSize prints every size), and draws the call tree of the page's JSON
// block (FlameGraphData). Node runs the same text in a vm context to test
// the logic (test/flamegraph-page.test.ts): every function but startPage is
// pure and DOM-free, and startPage runs only where there is a document.
// Nothing recurses (call trees can be 65,535 frames deep), and text goes in
// through textContent only: function and file names are data.
/* global formatSize -- from format-size.js, which precedes this script in the page */
'use strict';

/** Height of a row of frames in px, as --row in page.css. */
const ROW_HEIGHT = 18;
/** Frames narrower than this (px) are not drawn, nor their callees. */
const MIN_WIDTH = 0.5;
/** Frames at least this wide (px) show their name... */
const NAME_WIDTH = 24;
/** ...and from this width, their file:line too. */
const LOCATION_WIDTH = 160;

/**
 * The call tree of `data` with each node's totals (itself and its callees),
 * depth and children, largest total first. Parents come before children in
 * the data, so one forward and one backward loop do it.
 */
function buildTree(data) {
  const n = data.parent.length;
  const parent = data.parent;
  const total = data.selfSize.slice();
  const totalCount = data.selfCount.slice();
  const depth = new Array(n).fill(0);
  const children = [];
  for (let i = 0; i < n; i++) children.push([]);
  for (let i = 1; i < n; i++) {
    depth[i] = depth[parent[i]] + 1;
    children[parent[i]].push(i);
  }
  for (let i = n - 1; i > 0; i--) {
    total[parent[i]] += total[i];
    totalCount[parent[i]] += totalCount[i];
  }
  for (const kids of children) kids.sort((a, b) => total[b] - total[a]);
  return { data, n, parent, total, totalCount, depth, children };
}

/**
 * The frames to draw in `width` px when `zoom` is the zoomed frame: its
 * callers full width and dimmed (`ancestor`; click one to zoom out to it),
 * then it at full width and its callees in proportion to their totals, left
 * to right, largest first. `maxDepth` is the deepest drawn depth.
 */
function layout(tree, zoom, width) {
  const boxes = [];
  let maxDepth = 0;
  for (let a = tree.parent[zoom]; a >= 0; a = tree.parent[a]) boxes.push({ node: a, x: 0, width, ancestor: true });
  const scale = tree.total[zoom] > 0 ? width / tree.total[zoom] : 0;
  const stack = [[zoom, 0]];
  while (stack.length > 0) {
    const [node, left] = stack.pop();
    const w = node === zoom ? width : tree.total[node] * scale;
    if (w < MIN_WIDTH) continue;
    boxes.push({ node, x: left, width: w, ancestor: false });
    if (tree.depth[node] > maxDepth) maxDepth = tree.depth[node];
    let x = left;
    for (const kid of tree.children[node]) {
      stack.push([kid, x]);
      x += tree.total[kid] * scale;
    }
  }
  return { boxes, maxDepth };
}

/** The row of `node`: its depth from the top (icicle) or from the bottom (flame). */
function rowOf(tree, node, maxDepth, orientation) {
  return orientation === 'icicle' ? tree.depth[node] : maxDepth - tree.depth[node];
}

function frameName(data, node) {
  return node === 0 ? 'all' : data.strings[data.name[node]];
}

/** `file:line`, or the file alone when the line is unknown. */
function frameWhere(data, node) {
  const file = data.strings[data.file[node]];
  return data.line[node] > 0 ? `${file}:${data.line[node]}` : file;
}

/** {@link frameWhere} with the file's base name only (POSIX or Windows paths). */
function frameShortWhere(data, node) {
  const file = data.strings[data.file[node]];
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return data.line[node] > 0 ? `${base}:${data.line[node]}` : base;
}

/** What search matches: `name (file:line)`. */
function frameLabel(data, node) {
  return node === 0 ? 'all' : `${frameName(data, node)} (${frameWhere(data, node)})`;
}

/**
 * The frames whose label contains `query` (trimmed, any case), as 0/1 per
 * node (null for an empty query), and the size they cover: a match inside a
 * matched frame is already counted in that frame's total.
 */
function searchFrames(tree, query) {
  const needle = query.trim().toLowerCase();
  if (needle === '') return { matches: null, matchedSize: 0 };
  const { n, parent, total } = tree;
  const matches = new Uint8Array(n);
  const covered = new Uint8Array(n);
  let matchedSize = 0;
  for (let m = 1; m < n; m++) {
    if (frameLabel(tree.data, m).toLowerCase().includes(needle)) matches[m] = 1;
    covered[m] = covered[parent[m]] || matches[parent[m]];
    if (matches[m] && !covered[m]) matchedSize += total[m];
  }
  return { matches, matchedSize };
}

/** A count with thousands separators, rounded: "12,345". */
function groupDigits(count) {
  return Math.round(count).toLocaleString('en-US');
}

function percent(part, whole) {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%';
}

/** The mark of an estimate: sampled sizes and counts are "≈ 12.0 KiB". */
function approx(data) {
  return data.exact ? '' : '\u2248 ';
}

/** The header's first words: exact, or estimated from which interval. */
function modeText(data) {
  return data.exact ? 'Exact:' : `Estimated (sampling interval ${formatSize(data.interval)}):`;
}

/** The header's totals, samples, traceback limit and time taken. */
function totalsText(tree) {
  const data = tree.data;
  const taken =
    data.timestamp > 0 ? `; taken ${new Date(data.timestamp).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
  return (
    `${approx(data)}${formatSize(tree.total[0])} in ${approx(data)}${groupDigits(tree.totalCount[0])} objects, ` +
    `from ${groupDigits(data.samples)}${data.exact ? ' allocations' : ' samples'}; ` +
    `traceback limit ${data.tracebackLimit}${taken}.`
  );
}

/** The tooltip of `node` under the zoom `zoom`: its title, where, then one line per figure. */
function tooltipText(tree, node, zoom) {
  const { data, total, totalCount } = tree;
  const lines = [
    `Size: ${approx(data)}${formatSize(total[node])} (${percent(total[node], total[0])} of all` +
      `${zoom !== 0 ? `, ${percent(total[node], total[zoom])} of zoom` : ''})`,
  ];
  if (!data.exact) {
    // The 95% interval of the total and the samples behind it (docs/error-bars.md).
    const low = data.totalSizeLow[node];
    const high = data.totalSizeHigh[node];
    lines.push(
      `\u00b1 ${formatSize((high - low) / 2)} (95%: ${formatSize(low)} to ${formatSize(high)}, ` +
        `${groupDigits(data.totalSamples[node])} samples)`,
    );
  }
  lines.push(`Self: ${approx(data)}${formatSize(data.selfSize[node])}`);
  lines.push(`Objects: ${approx(data)}${groupDigits(totalCount[node])} (self ${groupDigits(data.selfCount[node])})`);
  return { title: frameName(data, node), where: node === 0 ? null : frameWhere(data, node), lines };
}

/** The search's share of all, and its size. */
function matchedText(tree, matchedSize) {
  return `Matched: ${percent(matchedSize, tree.total[0])} (${approx(tree.data)}${formatSize(matchedSize)})`;
}

function hash(text) {
  let h = 0;
  for (let k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) | 0;
  return Math.abs(h);
}

/** The frame's colour: grey for V8, blue for node:, green for node_modules, warm for your code (page.html's legend). */
function frameColor(data, node) {
  if (node === 0) return 'hsl(0,0%,82%)';
  const file = data.strings[data.file[node]];
  const name = frameName(data, node);
  const h = hash(name);
  if (file === name || file === '<unknown>') return `hsl(0,0%,${70 + (h % 10)}%)`;
  if (file.startsWith('node:')) return `hsl(${195 + (h % 25)},55%,${64 + (h % 10)}%)`;
  if (/[\\/]node_modules[\\/]/.test(file)) return `hsl(${95 + (h % 35)},45%,${55 + (h % 10)}%)`;
  return `hsl(${h % 50},90%,${58 + (h % 12)}%)`;
}

/** Reads the data, draws the chart and wires the controls. */
function startPage() {
  const data = JSON.parse(document.getElementById('data').textContent);
  const tree = buildTree(data);
  const chart = document.getElementById('chart');
  const tooltip = document.getElementById('tooltip');
  const search = document.getElementById('search');
  const matched = document.getElementById('matched');
  const toggle = document.getElementById('toggle');
  let zoom = 0;
  let orientation = 'icicle';
  let matches = null;

  const mode = document.getElementById('mode');
  mode.textContent = modeText(data);
  mode.className = data.exact ? 'exact' : 'estimated';
  document.getElementById('totals').textContent = totalsText(tree);
  if (tree.total[0] === 0) document.getElementById('empty').hidden = false;

  function render() {
    const { boxes, maxDepth } = layout(tree, zoom, chart.clientWidth);
    const fragment = document.createDocumentFragment();
    for (const box of boxes) {
      const el = document.createElement('div');
      el.className = `frame${box.ancestor ? ' ancestor' : ''}${matches && matches[box.node] ? ' match' : ''}`;
      el.dataset.node = String(box.node);
      el.style.left = `${box.x}px`;
      el.style.width = `${Math.max(box.width - 1, 0.5)}px`;
      el.style.top = `${rowOf(tree, box.node, maxDepth, orientation) * ROW_HEIGHT}px`;
      el.style.background = frameColor(data, box.node);
      if (box.width > NAME_WIDTH) el.textContent = frameName(data, box.node);
      if (box.width > LOCATION_WIDTH && box.node !== 0) {
        const loc = document.createElement('span');
        loc.className = 'loc';
        loc.textContent = ` ${frameShortWhere(data, box.node)}`;
        el.appendChild(loc);
      }
      fragment.appendChild(el);
    }
    chart.textContent = '';
    chart.style.height = `${(maxDepth + 1) * ROW_HEIGHT}px`;
    chart.appendChild(fragment);
    document.body.dataset.orientation = orientation;
    document.body.dataset.zoom = String(zoom);
  }

  function showTooltip(node, event) {
    const text = tooltipText(tree, node, zoom);
    tooltip.textContent = '';
    const title = document.createElement('b');
    title.textContent = text.title;
    tooltip.appendChild(title);
    if (text.where !== null) {
      const place = document.createElement('div');
      place.className = 'where';
      place.textContent = text.where;
      tooltip.appendChild(place);
    }
    for (const line of text.lines) {
      const div = document.createElement('div');
      div.textContent = line;
      tooltip.appendChild(div);
    }
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8);
    let y = event.clientY + 16;
    if (y + tooltip.offsetHeight > window.innerHeight) y = event.clientY - tooltip.offsetHeight - 8;
    tooltip.style.left = `${Math.max(x, 0)}px`;
    tooltip.style.top = `${Math.max(y, 0)}px`;
  }

  function nodeOf(target) {
    return target && target.dataset && target.dataset.node !== undefined ? Number(target.dataset.node) : -1;
  }
  chart.addEventListener('mousemove', (event) => {
    const node = nodeOf(event.target);
    if (node < 0) tooltip.hidden = true;
    else showTooltip(node, event);
  });
  chart.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });
  chart.addEventListener('click', (event) => {
    const node = nodeOf(event.target);
    if (node < 0) return;
    zoom = node;
    render();
  });

  search.addEventListener('input', () => {
    const found = searchFrames(tree, search.value);
    matches = found.matches;
    matched.textContent = matches === null ? '' : matchedText(tree, found.matchedSize);
    render();
  });
  document.getElementById('reset').addEventListener('click', () => {
    zoom = 0;
    render();
  });
  toggle.addEventListener('click', () => {
    orientation = orientation === 'icicle' ? 'flame' : 'icicle';
    toggle.textContent = orientation === 'icicle' ? 'Flame view' : 'Icicle view';
    render();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      zoom = 0;
      render();
    }
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 100);
  });
  render();
}

if (typeof document === 'object') startPage();
