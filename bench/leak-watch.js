#!/usr/bin/env node
// Leak watch, measured: a node:http server under steady loopback load, once
// without a leak (how often does the watch report something anyway?) and
// once leaking every request into a module-level Map (how many snapshots
// until the leak is reported, and at what rate?). Prints a Markdown section
// (bench/run.js puts it in RESULTS.md). LW_SOAK_S and LW_LEAK_S shorten it.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { offer } = require('./fixed-rate');

const EVERY = 1000;
const WINDOW = 10;
const INTERVAL = 64 * 1024;
const RATE = 200; // requests per second, offered
const SOAK_S = Number(process.env.LW_SOAK_S || 150);
const LEAK_S = Number(process.env.LW_LEAK_S || 60);

function runServer(leak, seconds) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      LEAK: leak ? '1' : '0',
      EVERY: String(EVERY),
      WINDOW: String(WINDOW),
      INTERVAL: String(INTERVAL),
    };
    const child = spawn(process.execPath, [path.join(__dirname, 'leak-watch-server.js')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = [];
    let buffer = '';
    let load;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (line.port !== undefined) load = drive(line.port, seconds, () => child.kill('SIGTERM'));
        else lines.push(line);
      }
    });
    child.on('error', reject);
    child.on('exit', async () => resolve({ lines, load: await load }));
  });
}

/** Offers RATE requests per second for `seconds`, then ends the server. */
async function drive(port, seconds, done) {
  const load = await offer({ port, rate: RATE, seconds, pathFor: (n) => `/item/${n}` });
  done();
  return load;
}

const judgedFrom = Math.ceil(WINDOW / 2) + WINDOW; // warm-up, then a full window

(async () => {
  process.stderr.write(`leak-watch bench: ${SOAK_S} s without a leak, ${LEAK_S} s with one\n`);
  const clean = await runServer(false, SOAK_S);
  const judged = clean.lines.filter((l) => l.snapshot >= judgedFrom);
  const falseReports = clean.lines.flatMap((l) => l.reports.map((r) => ({ snapshot: l.snapshot, ...r })));
  const leaky = await runServer(true, LEAK_S);
  const found = leaky.lines.find((l) => l.reports.some((r) => r.fn === 'rememberSession'));
  const report = found?.reports.find((r) => r.fn === 'rememberSession');
  const others = leaky.lines.flatMap((l) =>
    l.reports.filter((r) => r.fn !== 'rememberSession').map((r) => ({ snapshot: l.snapshot, ...r })),
  );
  const fp = falseReports.length / Math.max(1, judged.length);
  const out = [
    `\`node bench/leak-watch.js\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
    '',
    `A node:http server answering JSON (a bounded 500-entry cache churning underneath) under ${RATE} requests/s offered over`,
    `loopback keep-alive connections; node-tracemalloc sampling every ${INTERVAL / 1024} KiB, a snapshot (with a full GC) every`,
    `${EVERY / 1000} s fed to a LeakWatcher (window ${WINDOW}, warm-up ${Math.ceil(WINDOW / 2)}, confidence 99%), as watchLeaks() does;`,
    `the first judgement is at snapshot ${judgedFrom}. Sizes are estimates (sampled); the counts below are exact counts of events.`,
    '',
    '| run | served | snapshots judged | reports | first report of the leak |',
    '| --- | ---: | ---: | ---: | --- |',
    `| no leak, ${SOAK_S} s | ${clean.load.ok} (${clean.load.rate.toFixed(0)}/s) | ${judged.length} | ${falseReports.length} | — |`,
    `| leak into a Map, ${LEAK_S} s | ${leaky.load.ok} (${leaky.load.rate.toFixed(0)}/s) | ${leaky.lines.filter((l) => l.snapshot >= judgedFrom).length} | ` +
      `${leaky.lines.reduce((a, l) => a + l.reports.length, 0)} | ${found === undefined ? '**not reported**' : `snapshot ${found.snapshot} (${found.snapshot - judgedFrom + 1} after the first judgement)`} |`,
    '',
    `- False-positive rate without a leak: ${falseReports.length} report(s) in ${judged.length} judged snapshots = ${(fp * 100).toFixed(1)}% per snapshot` +
      (falseReports.length === 0
        ? ` (95% upper bound ${((3 / judged.length) * 100).toFixed(1)}%, the rule of three).`
        : '.'),
  ];
  for (const r of falseReports) out.push(`  - snapshot ${r.snapshot}: ${r.line}`);
  if (report !== undefined) {
    out.push(`- The leak as reported: \`${report.line.replace(/\S*bench\//, 'bench/')}\``);
    const perRequest = report.rate / leaky.load.rate;
    out.push(`  (≈ ${perRequest.toFixed(0)} B per request at the served rate; estimated).`);
  }
  if (others.length > 0) {
    out.push(
      `- Other sites reported in the leaking run: ${others.map((r) => `${r.fn || '(builtin)'} at snapshot ${r.snapshot}`).join(', ')}.`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
})();
