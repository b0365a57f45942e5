// A flame graph as one self-contained HTML file: the call tree as JSON in a
// <script type="application/json"> block, drawn by the page's inline script.
// No network (a Content-Security-Policy forbids it), so the file can be
// mailed, attached to a ticket or opened offline. The page is real files in
// flamegraph/ (page.html, page.css, page.js), read at run time.
import { argError } from '../../helpers/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UNKNOWN_FILENAME } from '../../model/frame';
import type { Snapshot } from '../../model/snapshot';
import * as check from '../../helpers/validate';
import { LabelKeys, NO_STACK_LABEL } from './label';
import { interval95 } from '../../model/intervals';
import { addSample } from '../../model/sampling-error';
import { textOrTooLarge } from './output-limit';
import { buildCallTree, NO_STACK_FRAME, snapshotArgument, TotalKeepingRounder, type CallTree } from './tree';

/** Options of {@link toFlameGraphHtml}. */
export interface FlameGraphOptions {
  /** Page title and heading; default `node-tracemalloc flame graph`. */
  title?: string;
}

/**
 * What the page's script reads (embedded as JSON): the call tree in columns,
 * node 0 the root, parents before children. Strings are interned in
 * `strings`; `self*` values are integers (rounded keeping the totals).
 * @internal
 */
export interface FlameGraphData {
  title: string;
  exact: boolean;
  interval: number;
  tracebackLimit: number;
  timestamp: number;
  /** Sample rows of the snapshot. */
  samples: number;
  strings: string[];
  name: number[];
  file: number[];
  line: number[];
  parent: number[];
  selfSize: number[];
  selfCount: number[];
  /**
   * Sampled snapshots only (empty when exact): per node, the samples behind
   * its total (the node and its callees) and the 95% interval of that total
   * size, rounded to bytes (docs/error-bars.md).
   */
  totalSamples: number[];
  totalSizeLow: number[];
  totalSizeHigh: number[];
}

/** The tree of `snapshot` in the page's columns. @internal */
export function flameGraphData(snapshot: Snapshot, title: string): FlameGraphData {
  const keys = new LabelKeys(snapshot);
  const tree = buildCallTree(snapshot, keys.key);
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const intern = (s: string): number => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      stringIds.set(s, id);
      strings.push(s);
    }
    return id;
  };
  const data: FlameGraphData = {
    title,
    exact: snapshot.exact,
    interval: snapshot.interval,
    tracebackLimit: snapshot.tracebackLimit,
    timestamp: snapshot.timestamp,
    samples: snapshot.table.sampleStack.length,
    strings,
    name: [intern('all')],
    file: [intern('')],
    line: [0],
    parent: [-1],
    selfSize: [],
    selfCount: [],
    totalSamples: [],
    totalSizeLow: [],
    totalSizeHigh: [],
  };
  for (let n = 1; n < tree.length; n++) {
    // The node's first frame row stands for every row of its label.
    const frame = tree.frame[n] === NO_STACK_FRAME ? undefined : snapshot.frame(keys.rows[tree.key[n]]);
    data.name.push(intern(frame === undefined ? NO_STACK_LABEL : frame.functionName || '(anonymous)'));
    data.file.push(intern(frame === undefined ? UNKNOWN_FILENAME : frame.filename));
    data.line.push(frame === undefined ? 0 : frame.lineno);
    data.parent.push(tree.parent[n]);
  }
  const sizes = new TotalKeepingRounder();
  const counts = new TotalKeepingRounder();
  for (let n = 0; n < tree.length; n++) {
    data.selfSize.push(sizes.next(tree.selfSize[n]));
    data.selfCount.push(counts.next(tree.selfCount[n]));
  }
  if (!snapshot.exact) errorBars(snapshot, tree, data);
  return data;
}

/**
 * The error bars of every node's total: the variance terms of its samples
 * summed into the node, then up the tree (parents come before children).
 * One interval per node, a few µs each.
 */
function errorBars(snapshot: Snapshot, tree: CallTree, data: FlameGraphData): void {
  const t = snapshot.table;
  const sums = {
    size: new Float64Array(tree.length),
    count: new Float64Array(tree.length),
    samples: new Float64Array(tree.length),
    sizeVariance: new Float64Array(tree.length),
    countVariance: new Float64Array(tree.length),
    sampledSize: new Float64Array(tree.length),
  };
  for (let i = 0; i < tree.nodeOfSample.length; i++)
    addSample(sums, tree.nodeOfSample[i], t.sampleSize[i], t.sampleCount[i]);
  const { samples, sizeVariance: variance, sampledSize: sampled } = sums;
  const size = Float64Array.from(tree.selfSize);
  for (let n = tree.length - 1; n > 0; n--) {
    const p = tree.parent[n];
    size[p] += size[n];
    variance[p] += variance[n];
    sampled[p] += sampled[n];
    samples[p] += samples[n];
  }
  for (let n = 0; n < tree.length; n++) {
    const [low, high] = interval95({ value: size[n], variance: variance[n], floor: sampled[n] });
    data.totalSamples.push(samples[n]);
    data.totalSizeLow.push(Math.round(low));
    data.totalSizeHigh.push(Math.round(high));
  }
}

/** JSON safe inside a <script> element: no `</script>`, `<!--` or line separators can appear. @internal */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The page's files, as {@link toFlameGraphHtml} fills them in. @internal */
export interface FlameGraphPage {
  /** page.html: slots `{{TITLE}}`, `{{STYLE}}`, `{{DATA}}` and `{{SCRIPT}}`. */
  html: string;
  /** page.css. */
  style: string;
  /** The page's one script: format-size.js (the library's own size format), then page.js. */
  script: string;
}

let page: FlameGraphPage | undefined;

/**
 * The page's files, read once. They sit next to this module: in
 * lib/faces/export/flamegraph/ under ts-jest, in dist/faces/export/flamegraph/ once built
 * (`npm run build:ts` copies them, scripts/copy-assets.js).
 * @internal
 */
export function flameGraphPage(): FlameGraphPage {
  if (page === undefined) {
    const dir = path.join(__dirname, 'flamegraph');
    const read = (file: string): string => fs.readFileSync(file, 'utf8');
    page = {
      html: read(path.join(dir, 'page.html')),
      style: read(path.join(dir, 'page.css')),
      // The file lib/helpers/format.ts loads: the page prints sizes as the library does.
      script: `${read(require.resolve('../../helpers/format-size'))}\n${read(path.join(dir, 'page.js'))}`,
    };
  }
  return page;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A flame graph of the snapshot as one self-contained HTML page (inline CSS,
 * script and data; it makes no network request). Click a frame to zoom,
 * Escape or "Reset zoom" to go back; search highlights matching frames and
 * shows their share; hover shows size, count, file:line and function; a
 * button flips between icicle (callers on top) and flame (callers at the
 * bottom). The header says whether the numbers are exact or estimated, and
 * from which sampling interval.
 *
 * @example
 * fs.writeFileSync('heap.html', toFlameGraphHtml(snapshot, { title: 'api server, 10 min' }));
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot or `title` not a string;
 *   `ERR_INVALID_ARG_VALUE` for an unknown option
 */
export function toFlameGraphHtml(snapshot: Snapshot, options?: FlameGraphOptions): string {
  snapshotArgument(snapshot);
  const opts = check.options(options, 'options', ['title'] as const);
  const title = opts.title ?? 'node-tracemalloc flame graph';
  if (typeof title !== 'string') {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a string for options.title but received ${typeof title}`);
  }
  const data = flameGraphData(snapshot, title);
  const { html, style, script } = flameGraphPage();
  const slots: Record<string, () => string> = {
    TITLE: () => escapeHtml(title),
    STYLE: () => style,
    DATA: () => scriptSafeJson(data),
    SCRIPT: () => script,
  };
  // One pass, so a title holding `{{DATA}}` stays text; a function replacer,
  // so a `$` in the title or the data is no replacement pattern.
  return textOrTooLarge('flame graph', 'filter the snapshot first (filterTraces, --include/--exclude)', () =>
    html.replace(/\{\{(TITLE|STYLE|DATA|SCRIPT)\}\}/g, (_, slot: string) => slots[slot]()),
  );
}
