// The reports of `top`, `diff`, `run` and register's exit report: plain data
// first (what --json prints), then an aligned terminal table made from it.
// Pure: no addon, so reports work on a laptop that never built it.
import * as path from 'node:path';
import { escapeControlChars } from '../helpers/control-chars';
import { count, MAX_REPORT_FRAMES, outputTooLarge } from './export/output-limit';
import { defaultReportFilters, Filter, type BaseFilter } from '../model/filter';
import { formatCount, formatSize, roundForDisplay } from '../helpers/format';
import { INLINING_NOTE } from '../tracer/inlining';
import { withinNoise } from '../model/intervals';
import type { Snapshot, SnapshotView } from '../model/snapshot';
import type { KeyType, Statistic, StatisticDiff } from '../model/statistics';
import { selectThreads, threadNames, threadsOf } from '../tracer/threads/select';

/** What to show: the grouping, how many sites, and which traces (globs on the most recent frame's file). */
export interface ReportOptions {
  key: KeyType;
  /** Sites to show; `Infinity` for all. */
  top: number;
  cumulative: boolean;
  /** Keep only traces whose most recent frame's file matches one of these globs (none: keep all). */
  include: readonly string[];
  /** Drop traces whose most recent frame's file matches any of these globs. */
  exclude: readonly string[];
  /** Test every frame of the traceback against the globs, not only the most recent one (Python's `all_frames`). */
  allFrames?: boolean;
  /** Only the traces of these threads (domains; 0 the main thread), before the other filters; all when undefined. */
  threads?: readonly number[];
}

/** How to draw the table. */
export interface RenderStyle {
  /** What the report is of (a dump path, `process 1234`); shown in the title. */
  source: string;
  /** Paths under it are shown relative to it. */
  cwd: string;
  color: boolean;
}

/** A snapshot's settings and totals (after filters), as reports print them. */
export interface SnapshotSummary {
  source: string;
  exact: boolean;
  /** Bytes between samples; 1 when exact. */
  interval: number;
  tracebackLimit: number;
  /** Milliseconds since the epoch; 0 unknown. */
  timestamp: number;
  totalSize: number;
  totalCount: number;
  /** Which traces: live, allocated (collected included) or peak. */
  view: SnapshotView;
  /** Whether V8 inlined while tracing (inlined functions charged to their callers); null unknown. */
  inlining: boolean | null;
  /** The threads whose traces the report covers (ids, 0 the main thread): those in the snapshot, after `threads`. */
  threads: number[];
  /** Every thread with traces in the snapshot, before `threads` selects: what a selection can name. */
  allThreads: number[];
}

export interface SiteFrame {
  filename: string;
  lineno: number;
  /** The function column: the name, `split (builtin)` for a builtin's frame, `split (builtin) in parseLine`. */
  function: string;
  /** A frame without a script (a builtin). */
  builtin: boolean;
  /** The builtin that allocated for this frame, when all of the row's traces went through one; ''. */
  calledBuiltin: string;
}

/** One row: a key (most recent frame first in `frames`) and its totals; estimates unless exact. */
export interface TopRow {
  size: number;
  count: number;
  /** Bytes per object; null when the count is 0. */
  average: number | null;
  /** V8 samples behind `size` and `count` (equal to `count` when exact). */
  samples: number;
  /** 95% confidence intervals of `size` and `count`, `[low, high]` (the value itself when exact). */
  sizeRange: [number, number];
  countRange: [number, number];
  filename: string;
  lineno: number;
  /** The function column (see {@link SiteFrame.function}). */
  function: string;
  calledBuiltin: string;
  /** The key's frames, most recent first: one, or the whole traceback for key `traceback`. */
  frames: SiteFrame[];
}

export interface DiffRow extends TopRow {
  sizeDiff: number;
  countDiff: number;
  /** 95% confidence intervals of the differences (from the samples in only one snapshot). */
  sizeDiffRange: [number, number];
  countDiffRange: [number, number];
  /** The size change's interval holds 0: it may be sampling noise. */
  withinNoise: boolean;
}

interface ReportBase {
  key: KeyType;
  cumulative: boolean;
  filters: { include: string[]; exclude: string[]; allFrames: boolean; threads: number[] | null };
  /** Sites before `top` was applied. */
  sites: number;
}

/** `tracemalloc top --json`. */
export interface TopReport extends ReportBase {
  command: 'top';
  snapshot: SnapshotSummary;
  stats: TopRow[];
}

/** `tracemalloc diff --json`. */
export interface DiffReport extends ReportBase {
  command: 'diff';
  old: SnapshotSummary;
  new: SnapshotSummary;
  stats: DiffRow[];
}

/**
 * Colour only for a terminal, never with `NO_COLOR` set (no-color.org);
 * `FORCE_COLOR` (other than `0`) forces it, as in Node itself.
 */
export function colorFor(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

/** The tracer's own files hidden (defaultReportFilters), then the include and exclude globs. */
export function reportFilters(options: ReportOptions): BaseFilter[] {
  return [
    ...defaultReportFilters(),
    ...options.include.map((glob) => new Filter(true, glob, undefined, options.allFrames === true)),
    ...options.exclude.map((glob) => new Filter(false, glob, undefined, options.allFrames === true)),
  ];
}

/** The snapshot's traces of the selected threads (all without a selection). */
function selected(snapshot: Snapshot, options: ReportOptions): Snapshot {
  return options.threads === undefined ? snapshot : selectThreads(snapshot, options.threads);
}

function summarize(snapshot: Snapshot, source: string, threads: number[], allThreads: number[]): SnapshotSummary {
  return {
    source,
    exact: snapshot.exact,
    interval: snapshot.interval,
    tracebackLimit: snapshot.tracebackLimit,
    timestamp: snapshot.timestamp,
    totalSize: snapshot.totalSize,
    totalCount: snapshot.totalCount,
    view: snapshot.view,
    inlining: snapshot.inlining ?? null,
    threads,
    allThreads,
  };
}

function row(stat: Statistic | StatisticDiff): TopRow {
  const frames = stat.traceback.toArray().reverse();
  const recent = frames[0];
  return {
    size: stat.size,
    count: stat.count,
    average: stat.count === 0 ? null : stat.size / stat.count,
    samples: stat.samples,
    sizeRange: [...stat.sizeRange],
    countRange: [...stat.countRange],
    filename: recent?.filename ?? '<unknown>',
    lineno: recent?.lineno ?? 0,
    function: recent?.functionLabel ?? '',
    calledBuiltin: recent?.calledBuiltin ?? '',
    frames: frames.map((f) => ({
      filename: f.filename,
      lineno: f.lineno,
      function: f.functionLabel,
      builtin: f.builtin,
      calledBuiltin: f.calledBuiltin,
    })),
  };
}

/** The sites a report shows, refused when their tracebacks would list more than MAX_REPORT_FRAMES frames. */
function shown<T extends Statistic | StatisticDiff>(stats: T[], top: number): T[] {
  const rows = stats.slice(0, top);
  let frames = 0;
  for (const stat of rows) frames += stat.traceback.length;
  if (frames > MAX_REPORT_FRAMES) {
    const what = `${count(rows.length)} sites listing ${count(frames)} frames, more than the ${count(MAX_REPORT_FRAMES)} a report shows`;
    throw outputTooLarge('report', what, 'show fewer sites (--top), or group by lineno or function');
  }
  return rows;
}

function base(options: ReportOptions, sites: number): ReportBase {
  return {
    key: options.key,
    cumulative: options.cumulative,
    filters: {
      include: [...options.include],
      exclude: [...options.exclude],
      allFrames: options.allFrames === true,
      threads: options.threads === undefined ? null : [...options.threads],
    },
    sites,
  };
}

/**
 * The top sites of a snapshot as data.
 * @throws {RangeError} `cumulative` with key `traceback` (from Snapshot.statistics)
 */
export function topReport(snapshot: Snapshot, options: ReportOptions, source: string): TopReport {
  const threads = selected(snapshot, options);
  const filtered = threads.filterTraces(reportFilters(options));
  const stats = filtered.statistics(options.key, options.cumulative);
  return {
    command: 'top',
    ...base(options, stats.length),
    snapshot: summarize(filtered, source, threadsOf(threads), threadsOf(snapshot)),
    stats: shown(stats, options.top).map(row),
  };
}

/** What grew (or shrank) from `older` to `newer`, as data. */
export function diffReport(
  older: Snapshot,
  newer: Snapshot,
  options: ReportOptions,
  sources: { old: string; new: string },
): DiffReport {
  const filters = reportFilters(options);
  const olderThreads = selected(older, options);
  const newerThreads = selected(newer, options);
  const before = olderThreads.filterTraces(filters);
  const after = newerThreads.filterTraces(filters);
  const diffs = after.compareTo(before, options.key, options.cumulative);
  return {
    command: 'diff',
    ...base(options, diffs.length),
    old: summarize(before, sources.old, threadsOf(olderThreads), threadsOf(older)),
    new: summarize(after, sources.new, threadsOf(newerThreads), threadsOf(newer)),
    stats: shown(diffs, options.top).map((d) => ({
      ...row(d),
      sizeDiff: d.sizeDiff,
      countDiff: d.countDiff,
      sizeDiffRange: [...d.sizeDiffRange],
      countDiffRange: [...d.countDiffRange],
      withinNoise: d.withinNoise,
    })),
  };
}

// ---- text -------------------------------------------------------------

const KEY_NOUN: Readonly<Record<KeyType, string>> = {
  filename: 'files',
  lineno: 'lines',
  function: 'functions',
  traceback: 'tracebacks',
};

type Paint = (code: string, text: string) => string;

function painter(color: boolean): Paint {
  return (code, text) => (color && code !== '' && text !== '' ? `\x1b[${code}m${text}\x1b[0m` : text);
}

/** `file` relative to `cwd` when it lies under it (shorter in a terminal), else as it is. */
export function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

// Names and paths are the profiled program's: every one reaches the terminal through escapeControlChars.
function location(filename: string, lineno: number, cwd: string): string {
  const shown = escapeControlChars(displayPath(filename, cwd));
  return lineno > 0 ? `${shown}:${lineno}` : shown;
}

/** "exact: every allocation recorded" or "estimated: sampled every 512.0 KiB", the frames, the totals. */
function describe(s: SnapshotSummary): string {
  const mode = s.exact ? 'exact: every allocation recorded' : `estimated: sampled every ${formatSize(s.interval)}`;
  const frames = `traceback limit ${s.tracebackLimit} frame${s.tracebackLimit === 1 ? '' : 's'}`;
  const approx = s.exact ? '' : '~';
  const total = `${approx}${formatSize(roundForDisplay(s.totalSize))} in ${approx}${formatCount(s.totalCount)} objects`;
  return `${mode}, ${frames}; ${total}`;
}

const VIEW_TEXT: Readonly<Record<SnapshotView, string>> = {
  live: 'objects alive when the snapshot was taken (not what was freed before: the peak and allocated views keep it: --view, NODE_TRACEMALLOC_VIEW)',
  allocated: 'every allocation since tracing started, collected objects included',
  peak: 'objects alive when the JS heap was fullest (within 10%), even if freed since',
};

function clock(timestamp: number): string {
  return timestamp > 0 ? ` (${new Date(timestamp).toISOString()})` : '';
}

/** The view line; `prefix` for a diff's old/new. */
function viewLine(s: SnapshotSummary, prefix = ''): string {
  return `${prefix}view: ${s.view}: ${VIEW_TEXT[s.view]}${s.view === 'peak' ? clock(s.timestamp) : ''}`;
}

/**
 * Which threads the report covers, when it is not simply the main thread's
 * (a dump of one thread reads as before): `threads: main, 3, 4`.
 */
function threadLines(selection: number[] | null, ...summaries: SnapshotSummary[]): string[] {
  const ids = [...new Set(summaries.flatMap((s) => s.threads))].sort((a, b) => a - b);
  if (selection === null && ids.every((id) => id === 0)) return [];
  const covered = ids.length === 0 ? 'none' : threadNames(ids);
  if (selection === null) return [`threads: ${covered}`];
  const absent = selection.filter((id) => !ids.includes(id));
  // Thread ids differ between runs (`tracemalloc run`'s relay takes one): say which the dump has.
  const all = [...new Set(summaries.flatMap((s) => s.allThreads))].sort((a, b) => a - b);
  const has = all.length === 0 ? 'none' : threadNames(all);
  const none = absent.length === 0 ? '' : `; no traces of ${threadNames(absent)}; the dump has ${has}`;
  return [`threads: ${covered} (selected: ${threadNames(selection)}${none})`];
}

/** Said once per report when V8 inlined while either snapshot was taken. */
function inliningLines(...summaries: SnapshotSummary[]): string[] {
  return summaries.some((s) => s.inlining === true) ? [`note: ${INLINING_NOTE}`] : [];
}

interface Column {
  title: string;
  right: boolean;
}

/** Aligns cells; the last column is not padded. Colour is applied after padding, so widths stay right. */
function table(
  columns: Column[],
  rows: string[][],
  paint: Paint,
  colorOf: (col: number, cell: string) => string,
): string[] {
  // A loop, not Math.max(...cells): a deep traceback key makes rows by the hundred thousand.
  const widths = columns.map((c) => c.title.length);
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  const line = (cells: string[], header: boolean): string =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const padded = columns[i].right ? cell.padStart(widths[i]) : last ? cell : cell.padEnd(widths[i]);
        return header ? paint('2', padded) : paint(colorOf(i, cell), padded);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.title),
      true,
    ),
    ...rows.map((r) => line(r, false)),
  ];
}

function frameCells(r: TopRow, key: KeyType, cwd: string): string[][] {
  const withFunction = key !== 'filename';
  const cells = (f: SiteFrame): string[] => {
    const loc = location(f.filename, key === 'filename' ? 0 : f.lineno, cwd);
    return withFunction ? [loc, escapeControlChars(f.function)] : [loc];
  };
  // Callers of a traceback key go under it, indented, most recent first.
  return r.frames.length === 0
    ? [
        withFunction
          ? [location(r.filename, r.lineno, cwd), escapeControlChars(r.function)]
          : [location(r.filename, 0, cwd)],
      ]
    : r.frames.map((f, i) => (i === 0 ? cells(f) : cells(f).map((c, j) => (j === 0 ? `  ${c}` : c))));
}

function sizeCell(n: number, sign = false): string {
  return formatSize(roundForDisplay(n), sign);
}

/** Half the width of a 95% interval: what `±` shows (the exact bounds are in --json). */
function halfWidth(range: readonly [number, number]): number {
  return (range[1] - range[0]) / 2;
}

/** A difference, marked `~` when its interval holds 0 (it may be sampling noise). */
function diffCell(text: string, range: readonly [number, number]): string {
  return withinNoise(range) ? `~${text}` : text;
}

const NOISE_NOTE =
  '± is half the 95% interval from the sampling model; ~ marks a change whose interval holds 0 (it may be noise).';

/** Renders {@link topReport} as an aligned table for a terminal. */
export function formatTop(report: TopReport, style: RenderStyle): string {
  const paint = painter(style.color);
  const shown = report.stats.length;
  const title =
    `Top ${shown} of ${report.sites} ${KEY_NOUN[report.key]}${report.cumulative ? ' (cumulative)' : ''} by size` +
    ` — ${escapeControlChars(style.source)}`;
  const out = [
    paint('1', title),
    describe(report.snapshot),
    viewLine(report.snapshot),
    ...threadLines(report.filters.threads, report.snapshot),
    ...inliningLines(report.snapshot),
    '',
  ];
  if (shown === 0) return `${[...out, 'No allocations recorded.'].join('\n')}\n`;
  // Sampled: each estimate with its error bar and the samples behind it.
  const sampled = !report.snapshot.exact;
  const columns: Column[] = sampled
    ? [
        { title: 'size', right: true },
        { title: '±', right: true },
        { title: 'count', right: true },
        { title: '±', right: true },
        { title: 'samples', right: true },
        { title: 'average', right: true },
        { title: 'location', right: false },
      ]
    : [
        { title: 'size', right: true },
        { title: 'count', right: true },
        { title: 'average', right: true },
        { title: 'location', right: false },
      ];
  if (report.key !== 'filename') columns.push({ title: 'function', right: false });
  const blank = columns.length - (report.key !== 'filename' ? 2 : 1);
  const rows: string[][] = [];
  for (const r of report.stats) {
    frameCells(r, report.key, style.cwd).forEach((cells, i) => {
      const average = r.average === null ? '-' : formatSize(r.average);
      const numbers = sampled
        ? [
            sizeCell(r.size),
            sizeCell(halfWidth(r.sizeRange)),
            formatCount(r.count),
            formatCount(halfWidth(r.countRange)),
            String(r.samples),
            average,
          ]
        : [sizeCell(r.size), formatCount(r.count), average];
      rows.push([...(i === 0 ? numbers : new Array<string>(blank).fill('')), ...cells]);
    });
  }
  // concat, not push(...): a deep traceback key makes rows by the hundred thousand.
  const lines = out.concat(table(columns, rows, paint, (col) => (col === 0 ? '1' : col === blank ? '36' : '')));
  if (sampled) lines.push('', NOISE_NOTE.split(';')[0] + '.');
  return `${lines.join('\n')}\n`;
}

/** Renders {@link diffReport} as an aligned table for a terminal: growth red, shrinking green. */
export function formatDiff(report: DiffReport, style: RenderStyle): string {
  const paint = painter(style.color);
  const shown = report.stats.length;
  const title =
    `Top ${shown} of ${report.sites} ${KEY_NOUN[report.key]}${report.cumulative ? ' (cumulative)' : ''} by size difference` +
    ` — ${escapeControlChars(report.old.source)} → ${escapeControlChars(report.new.source)}`;
  const out = [
    paint('1', title),
    `old: ${describe(report.old)}`,
    `new: ${describe(report.new)}`,
    ...(report.old.view === report.new.view
      ? [viewLine(report.new)]
      : [viewLine(report.old, 'old '), viewLine(report.new, 'new ')]),
    ...threadLines(report.filters.threads, report.old, report.new),
    ...inliningLines(report.old, report.new),
    '',
  ];
  if (shown === 0) return `${[...out, 'No allocations recorded in either snapshot.'].join('\n')}\n`;
  // Sampled: each difference with its error bar, marked when it may be noise.
  const sampled = !(report.old.exact && report.new.exact);
  const columns: Column[] = sampled
    ? [
        { title: 'size', right: true },
        { title: 'diff', right: true },
        { title: '±', right: true },
        { title: 'count', right: true },
        { title: 'diff', right: true },
        { title: '±', right: true },
        { title: 'location', right: false },
      ]
    : [
        { title: 'size', right: true },
        { title: 'diff', right: true },
        { title: 'count', right: true },
        { title: 'diff', right: true },
        { title: 'location', right: false },
      ];
  if (report.key !== 'filename') columns.push({ title: 'function', right: false });
  const blank = columns.length - (report.key !== 'filename' ? 2 : 1);
  const diffColumns = sampled ? [1, 4] : [1, 3];
  const rows: string[][] = [];
  for (const r of report.stats) {
    frameCells(r, report.key, style.cwd).forEach((cells, i) => {
      const sizeDiff = sizeCell(r.sizeDiff, true);
      const countDiff = formatCount(r.countDiff, true);
      const numbers = sampled
        ? [
            sizeCell(r.size),
            diffCell(sizeDiff, r.sizeDiffRange),
            sizeCell(halfWidth(r.sizeDiffRange)),
            formatCount(r.count),
            diffCell(countDiff, r.countDiffRange),
            formatCount(halfWidth(r.countDiffRange)),
          ]
        : [sizeCell(r.size), sizeDiff, formatCount(r.count), countDiff];
      rows.push([...(i === 0 ? numbers : new Array<string>(blank).fill('')), ...cells]);
    });
  }
  const colorOf = (col: number, cell: string): string => {
    // Growth red, shrinking green; a change within noise is not coloured.
    if (diffColumns.includes(col)) {
      return cell.startsWith('+') && !/^\+0(\s|$)/.test(cell) ? '31' : cell.startsWith('-') ? '32' : '';
    }
    return col === 0 ? '1' : col === blank ? '36' : '';
  };
  const lines = out.concat(table(columns, rows, paint, colorOf));
  if (sampled) lines.push('', NOISE_NOTE);
  return `${lines.join('\n')}\n`;
}

/** {@link topReport} rendered: register's exit report and `tracemalloc run`'s. */
export function renderTop(snapshot: Snapshot, options: ReportOptions, style: RenderStyle): string {
  return formatTop(topReport(snapshot, options, style.source), style);
}
