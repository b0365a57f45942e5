// The flame graph page's own logic, in node: the page's script (format-size.js
// then page.js, the very text toFlameGraphHtml embeds) run in a vm context
// with no document, so only its pure functions load. The browser half (DOM,
// events) is tested in headless Chromium by flamegraph.test.ts.
import * as fs from 'node:fs';
import * as vm from 'node:vm';
import { flameGraphData, flameGraphPage, type FlameGraphData } from '../lib/faces/export/flamegraph';
import { formatSize } from '../lib/helpers/format';
import { Snapshot } from '../lib/model/snapshot';
import { awkwardSnapshot } from './fixtures/export/helpers';

// The scripts' seeded PRNG (scripts/lib/prng.js).
const { prng } = require('../scripts/lib/prng') as { prng: (seed: number) => () => number };

interface Tree {
  data: FlameGraphData;
  n: number;
  parent: number[];
  total: number[];
  totalCount: number[];
  depth: number[];
  children: number[][];
}
interface Box {
  node: number;
  x: number;
  width: number;
  ancestor: boolean;
}
/** What page.js defines at its top level (its function declarations). */
interface PageScript {
  formatSize(size: number, sign?: boolean): string;
  buildTree(data: FlameGraphData): Tree;
  layout(tree: Tree, zoom: number, width: number): { boxes: Box[]; maxDepth: number };
  rowOf(tree: Tree, node: number, maxDepth: number, orientation: 'icicle' | 'flame'): number;
  frameShortWhere(data: FlameGraphData, node: number): string;
  frameLabel(data: FlameGraphData, node: number): string;
  searchFrames(tree: Tree, query: string): { matches: Uint8Array | null; matchedSize: number };
  modeText(data: FlameGraphData): string;
  totalsText(tree: Tree): string;
  tooltipText(tree: Tree, node: number, zoom: number): { title: string; where: string | null; lines: string[] };
  matchedText(tree: Tree, matchedSize: number): string;
  frameColor(data: FlameGraphData, node: number): string;
}

function loadPage(): PageScript {
  const context = vm.createContext({});
  vm.runInContext(flameGraphPage().script, context, { filename: 'flamegraph-page.js' });
  return context as PageScript;
}

const page = loadPage();

/**
 * A tree in the page's columns. `nodes`: [name, file, line, parent, selfSize,
 * selfCount] per node after the root, parents first.
 */
function treeData(nodes: [string, string, number, number, number, number][]): FlameGraphData {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string): number => ids.get(s) ?? (ids.set(s, strings.length), strings.push(s) - 1);
  const data: FlameGraphData = {
    title: 't',
    exact: true,
    interval: 1,
    tracebackLimit: 8,
    timestamp: 0,
    samples: nodes.length,
    strings,
    name: [intern('all')],
    file: [intern('')],
    line: [0],
    parent: [-1],
    selfSize: [0],
    selfCount: [0],
    totalSamples: [],
    totalSizeLow: [],
    totalSizeHigh: [],
  };
  for (const [name, file, line, parent, size, count] of nodes) {
    data.name.push(intern(name));
    data.file.push(intern(file));
    data.line.push(line);
    data.parent.push(parent);
    data.selfSize.push(size);
    data.selfCount.push(count);
  }
  return data;
}

// all ── main (/app/main.js:1) ─┬─ load (/app/db.js:40): 600 B, 6 objects
//   self 100 B, 1 object        ├─ parse (/app/node_modules/p/index.js:7) ─ load (/app/db.js:40): 200 B
//                               └─ tiny (/app/main.js:9): 1 B
//   └─ Buffer (node:buffer:12): 99 B
const TREE = treeData([
  ['main', '/app/main.js', 1, 0, 100, 1],
  ['load', '/app/db.js', 40, 1, 600, 6],
  ['parse', '/app/node_modules/p/index.js', 7, 1, 0, 0],
  ['load', '/app/db.js', 40, 3, 200, 2],
  ['tiny', '/app/main.js', 9, 1, 1, 1],
  ['Buffer', 'node:buffer', 12, 0, 99, 3],
]);

describe('the size text', () => {
  // Edges of every branch of the format: units, the one-decimal band, ties, signs, fractions, extremes.
  const edges: number[] = [
    0, -0, 0.5, 1.5, 2.5, 99, 99.5, 100, 1023, 1024, 2406.4, 2501.5, 2502.5, 5120, 10239, 10239.5, 10240,
  ];
  for (let unit = 1; unit <= 5; unit++) {
    const u = 1024 ** unit;
    for (const k of [1, 9.95, 9.999, 10, 12.25, 12.75, 99.94, 99.95, 99.96, 100, 1023.5, 1024, 10239.5, 10240]) {
      edges.push(k * u, k * u - 0.5, k * u + 0.5, k * u * (1 + Number.EPSILON), k * u * (1 - Number.EPSILON));
    }
  }
  edges.push(Number.MAX_SAFE_INTEGER, 2 ** 60, 1e300, Number.MIN_VALUE, Infinity, NaN);
  const random = prng(13);
  for (let i = 0; i < 5000; i++) edges.push(Math.floor(2 ** (random() * 53)), (random() - 0.5) * 2 ** (random() * 50));
  const values = [...edges, ...edges.map((v) => -v)];

  test(`is formatSize's, on ${values.length} values, with and without sign`, () => {
    const differ = values.filter(
      (v) => page.formatSize(v) !== formatSize(v) || page.formatSize(v, true) !== formatSize(v, true),
    );
    expect(differ).toEqual([]);
    // A few spelled out, as Python prints them.
    expect([4096, 10240, 102400, 123456789].map((v) => page.formatSize(v))).toEqual([
      '4096 B',
      '10.0 KiB',
      '100 KiB',
      '118 MiB',
    ]);
  });

  test('has one definition in the page script: the one the library loads', () => {
    const script = flameGraphPage().script;
    expect(script.startsWith(fs.readFileSync(require.resolve('../lib/helpers/format-size'), 'utf8'))).toBe(true);
    expect(script.match(/function formatSize\b/g)).toHaveLength(1);
    expect(script.match(/function toFixedHalfEven\b/g)).toHaveLength(1);
  });

  test('is the one of every size the page prints', () => {
    const sampled = page.buildTree({ ...TREE, exact: false, interval: 4096, timestamp: Date.UTC(2024, 0, 2, 3, 4, 5) });
    expect(page.modeText(sampled.data)).toBe('Estimated (sampling interval 4096 B):');
    expect(page.modeText(TREE)).toBe('Exact:');
    expect(page.totalsText(sampled)).toBe(
      '≈ 1000 B in ≈ 13 objects, from 6 samples; traceback limit 8; taken 2024-01-02 03:04:05 UTC.',
    );
    const big = page.buildTree(treeData([['f', '/f.js', 1, 0, 12_345_678, 12_345]]));
    expect(page.totalsText(big)).toBe('11.8 MiB in 12,345 objects, from 1 allocations; traceback limit 8.');
    expect(page.matchedText(big, 10240)).toBe('Matched: 0.1% (10.0 KiB)');
  });
});

describe('the tree', () => {
  test('sums totals up to the root and sorts children largest first', () => {
    const tree = page.buildTree(TREE);
    expect(tree.total).toEqual([1000, 901, 600, 200, 200, 1, 99]);
    expect(tree.totalCount).toEqual([13, 10, 6, 2, 2, 1, 3]);
    expect(tree.depth).toEqual([0, 1, 2, 2, 3, 2, 1]);
    expect(tree.children).toEqual([[1, 6], [2, 3, 5], [], [4], [], [], []]);
    // Whatever the data's order.
    const swapped = page.buildTree(
      treeData([
        ['small', '/s.js', 1, 0, 1, 1],
        ['big', '/b.js', 1, 0, 3, 1],
      ]),
    );
    expect(swapped.children[0]).toEqual([2, 1]);
    expect(
      page
        .layout(swapped, 0, 4)
        .boxes.map((b) => [b.node, b.x])
        .sort((a, b) => a[0] - b[0]),
    ).toEqual([
      [0, 0],
      [1, 3],
      [2, 0],
    ]);
  });

  test("keeps a real snapshot's total, as flameGraphData rounds it", () => {
    const snapshot = awkwardSnapshot();
    const tree = page.buildTree(flameGraphData(snapshot, 't'));
    expect(tree.total[0]).toBe(Math.round(snapshot.totalSize));
    expect(tree.totalCount[0]).toBe(Math.round(snapshot.totalCount));
  });
});

describe('the layout', () => {
  const tree = page.buildTree(TREE);
  const byNode = (boxes: Box[]): Map<number, Box> => new Map(boxes.map((b) => [b.node, b]));

  test('gives each frame its share of its parent, callees left to right from the parent', () => {
    const { boxes, maxDepth } = page.layout(tree, 0, 1000);
    const at = byNode(boxes);
    expect(maxDepth).toBe(3);
    expect([...at.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(at.get(0)).toEqual({ node: 0, x: 0, width: 1000, ancestor: false });
    // 1 px per byte: main at 0, Buffer after it; load, then parse, then tiny inside main.
    expect([1, 6, 2, 3, 4, 5].map((n) => [at.get(n)?.x, at.get(n)?.width])).toEqual([
      [0, 901],
      [901, 99],
      [0, 600],
      [600, 200],
      [600, 200],
      [800, 1],
    ]);
  });

  test('leaves out frames narrower than half a pixel, with their callees', () => {
    // At 400 px, tiny (1 B of 1000) is 0.4 px wide.
    const at = byNode(page.layout(tree, 0, 400).boxes);
    expect(at.has(5)).toBe(false);
    expect(at.get(4)?.width).toBe(80);
    const narrow = byNode(page.layout(tree, 0, 1).boxes);
    expect([...narrow.keys()].sort()).toEqual([0, 1, 2]);
  });

  test('zoomed, draws the frame full width with its callers above it, dimmed, and nothing beside it', () => {
    const { boxes, maxDepth } = page.layout(tree, 3, 1000);
    expect(maxDepth).toBe(3);
    expect(boxes.filter((b) => b.ancestor).map((b) => b.node)).toEqual([1, 0]);
    expect(boxes.every((b) => b.width === 1000 && b.x === 0)).toBe(true);
    expect(boxes.map((b) => b.node).sort()).toEqual([0, 1, 3, 4]);
  });

  test('puts the root on top (icicle) or at the bottom (flame)', () => {
    expect([0, 1, 4].map((n) => page.rowOf(tree, n, 3, 'icicle'))).toEqual([0, 1, 3]);
    expect([0, 1, 4].map((n) => page.rowOf(tree, n, 3, 'flame'))).toEqual([3, 2, 0]);
  });

  test('draws an empty snapshot as its root alone, with no NaN', () => {
    const empty = page.buildTree(flameGraphData(Snapshot.fromTraces([], 1), 't'));
    expect(page.layout(empty, 0, 800)).toEqual({
      boxes: [{ node: 0, x: 0, width: 800, ancestor: false }],
      maxDepth: 0,
    });
    expect(page.totalsText(empty)).toBe('0 B in 0 objects, from 0 allocations; traceback limit 1.');
  });

  test('walks a 65,535-frame chain without recursing', () => {
    const depth = 65535;
    const nodes: [string, string, number, number, number, number][] = [];
    for (let i = 1; i <= depth; i++)
      nodes.push([`f${i}`, '/deep.js', i, i - 1, i === depth ? 64 : 0, i === depth ? 1 : 0]);
    const deep = page.buildTree(treeData(nodes));
    expect(deep.total[1]).toBe(64);
    const { boxes, maxDepth } = page.layout(deep, 0, 1000);
    expect(maxDepth).toBe(depth);
    expect(boxes).toHaveLength(depth + 1);
    const zoomed = page.layout(deep, depth, 1000);
    expect(zoomed.boxes.filter((b) => b.ancestor)).toHaveLength(depth);
    const found = page.searchFrames(deep, `f${depth}`);
    expect(found.matchedSize).toBe(64);
  });
});

describe('the search', () => {
  const tree = page.buildTree(TREE);
  const matched = (query: string): number[] => {
    const { matches } = page.searchFrames(tree, query);
    return matches === null ? [] : [...matches.keys()].filter((n) => matches[n] === 1);
  };

  test('matches names and file:line, in any case, trimmed', () => {
    expect(matched('LOAD')).toEqual([2, 4]);
    expect(matched('  db.js:40 ')).toEqual([2, 4]);
    expect(matched('node_modules/p')).toEqual([3]);
    expect(matched('node:buffer:12')).toEqual([6]);
    expect(matched('nothing')).toEqual([]);
    expect(page.frameLabel(TREE, 2)).toBe('load (/app/db.js:40)');
  });

  test('counts a match inside a matched frame once', () => {
    // load (600) and load under parse (200): disjoint, 800.
    expect(page.searchFrames(tree, 'load').matchedSize).toBe(800);
    // Every /app/ frame sits in main: main's 901, not 901 + 600 + 200 + 200 + 1.
    expect(page.searchFrames(tree, '/app/').matchedSize).toBe(901);
    expect(page.searchFrames(tree, 'node_modules').matchedSize).toBe(200);
  });

  test('clears on an empty query, and never matches the root', () => {
    expect(page.searchFrames(tree, '   ')).toEqual({ matches: null, matchedSize: 0 });
    expect(matched('all')).toEqual([]);
  });
});

describe('the tooltip and colours', () => {
  test('says size, share, self and objects; the share of the zoom when zoomed', () => {
    const tree = page.buildTree(TREE);
    expect(page.tooltipText(tree, 2, 0)).toEqual({
      title: 'load',
      where: '/app/db.js:40',
      lines: ['Size: 600 B (60.0% of all)', 'Self: 600 B', 'Objects: 6 (self 6)'],
    });
    expect(page.tooltipText(tree, 4, 3).lines[0]).toBe('Size: 200 B (20.0% of all, 100.0% of zoom)');
    expect(page.tooltipText(tree, 0, 0)).toEqual(expect.objectContaining({ title: 'all', where: null }));
  });

  test('gives a sampled frame its 95% interval and samples', () => {
    const sampled: FlameGraphData = {
      ...TREE,
      exact: false,
      totalSamples: [9, 9, 5, 2, 2, 1, 1],
      totalSizeLow: [800, 700, 20000, 100, 100, 0, 50],
      totalSizeHigh: [1200, 1100, 30000, 300, 300, 3, 150],
    };
    expect(page.tooltipText(page.buildTree(sampled), 2, 0).lines).toEqual([
      'Size: ≈ 600 B (60.0% of all)',
      '± 5000 B (95%: 19.5 KiB to 29.3 KiB, 5 samples)',
      'Self: ≈ 600 B',
      'Objects: ≈ 6 (self 6)',
    ]);
  });

  test('shortens paths to base names, POSIX or Windows', () => {
    const data = treeData([
      ['a', 'C:\\app\\src\\a.js', 3, 0, 1, 1],
      ['b', '/srv/b.js', 0, 0, 1, 1],
    ]);
    expect([1, 2].map((n) => page.frameShortWhere(data, n))).toEqual(['a.js:3', 'b.js']);
  });

  test('colours by origin, as the legend says', () => {
    const data = treeData([
      ['(V8 API)', '(V8 API)', 0, 0, 1, 1],
      ['f', 'node:fs', 1, 0, 1, 1],
      ['g', 'C:\\app\\node_modules\\x\\i.js', 1, 0, 1, 1],
      ['h', '/app/h.js', 1, 0, 1, 1],
    ]);
    const hues = [1, 2, 3, 4].map((n) => /^hsl\((\d+),(\d+)%/.exec(page.frameColor(data, n))?.slice(1).map(Number));
    expect(hues[0]).toEqual([0, 0]);
    expect(hues[1]?.[0]).toBeGreaterThanOrEqual(195);
    expect(hues[2]?.[0]).toBeGreaterThanOrEqual(95);
    expect(hues[2]?.[0]).toBeLessThan(130);
    expect(hues[3]?.[0]).toBeLessThan(50);
  });
});

describe('the page files', () => {
  test('cannot close their own element early: no </script, </style or <!-- in the script and style', () => {
    const { script, style, html } = flameGraphPage();
    expect(script).not.toMatch(/<\/script|<!--/i);
    expect(style).not.toMatch(/<\/style/i);
    // Each slot once but the title (<title> and <h1>).
    expect(html.match(/\{\{[A-Z]+\}\}/g)).toEqual(['{{TITLE}}', '{{STYLE}}', '{{TITLE}}', '{{DATA}}', '{{SCRIPT}}']);
  });
});
