#!/usr/bin/env node
// Cost of countObjects(): wall time, peak memory, and what lasts after it,
// for heaps of 100k and 1M live objects, each case in a fresh process (the
// first heap snapshot of a process costs more than later ones). Run
// `npm run build:native && npm run build:ts`, then `node bench/census.js`. Not part of `npm test`.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const SIZES = [100_000, 1_000_000];

function child(mode, n) {
  const out = execFileSync(process.execPath, [__filename, '--child', mode, String(n)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

function ms(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Young objects that survive a scavenge or two: what object-move tracking slows.
function churn() {
  const t0 = process.hrtime.bigint();
  let window = [];
  for (let i = 0; i < 2_000_000; i++) {
    window.push({ i });
    if (window.length === 50_000) window = [];
  }
  return ms(t0);
}

class Item {
  constructor(id) {
    this.id = id;
    this.name = 'item';
  }
}

function runChild(mode, n) {
  const tm = require(path.join(__dirname, '..', 'dist', 'entries', 'census.js'));
  const mb = (bytes) => Math.round(bytes / 1048576);
  if (mode.startsWith('typescript')) {
    // A 9 MB script with thousands of live closures: V8 11's slow path for
    // function locations, without (the binding alone) and with the line-end
    // cache census.ts sets up, each in its own process.
    const ts = require('typescript');
    ts.transpileModule('class A { x = 1; f() { return [1].map((v) => v); } }', {});
    const { native } = require(path.join(__dirname, '..', 'dist', 'tracer', 'native.js'));
    const t0 = process.hrtime.bigint();
    const nodes = mode === 'typescript-raw' ? native().countObjects().nodes : tm.countObjects().total;
    return { nodes, ms: ms(t0) };
  }
  globalThis.kept = new Array(n);
  for (let i = 0; i < n; i++) globalThis.kept[i] = new Item(i);
  const churnBefore = median([churn(), churn(), churn(), churn(), churn()]);
  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;

  let t0 = process.hrtime.bigint();
  const first = tm.countObjects();
  const firstMs = ms(t0);
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  const rssAfter = process.memoryUsage().rss;
  t0 = process.hrtime.bigint();
  tm.countObjects();
  const secondMs = ms(t0);
  t0 = process.hrtime.bigint();
  tm.countObjects({ gc: false });
  const noGcMs = ms(t0);
  const churnAfter = median([churn(), churn(), churn(), churn(), churn()]);
  const item = first.byType.find((e) => e.type === 'object' && e.name === 'Item');
  return {
    nodes: first.total,
    rows: first.byType.length,
    items: item.count,
    bytesPerItem: item.size / item.count,
    firstMs,
    secondMs,
    noGcMs,
    rssBeforeMB: mb(rssBefore),
    peakRssGrowthMB: mb(maxRssAfter - Math.max(maxRssBefore, rssBefore)),
    rssAfterMB: mb(rssAfter),
    churnBeforeMs: churnBefore,
    churnAfterMs: churnAfter,
    top: tm.formatCensus(first, 3),
  };
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(runChild(process.argv[3], Number(process.argv[4]))));
} else {
  console.log(`node ${process.version}, V8 ${process.versions.v8}, ${require('node:os').cpus().length} cores`);
  for (const n of SIZES) {
    const r = child('heap', n);
    console.log(
      `\n${n.toLocaleString('en')} live objects (${r.nodes.toLocaleString('en')} heap nodes, ${r.rows} rows):`,
    );
    console.log(`  Item: count=${r.items}, ${r.bytesPerItem} B each`);
    console.log(
      `  first census ${r.firstMs.toFixed(0)} ms, second ${r.secondMs.toFixed(0)} ms, gc:false ${r.noGcMs.toFixed(0)} ms`,
    );
    console.log(`  RSS ${r.rssBeforeMB} MB before, peak +${r.peakRssGrowthMB} MB during, ${r.rssAfterMB} MB after`);
    console.log(
      `  young-object churn ${r.churnBeforeMs.toFixed(0)} ms before the first census, ${r.churnAfterMs.toFixed(0)} ms after`,
    );
    for (const line of r.top) console.log(`    ${line}`);
  }
  const raw = child('typescript-raw', 0);
  const api = child('typescript-api', 0);
  console.log(`\nTypeScript's compiler loaded (${api.nodes.toLocaleString('en')} heap nodes), first census:`);
  console.log(`  binding alone (no line-end cache) ${raw.ms.toFixed(0)} ms, countObjects() ${api.ms.toFixed(0)} ms`);
}
