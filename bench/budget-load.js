#!/usr/bin/env node
// A budget that holds under load: a node:http server started with
// startWithBudget(16, { maxOverhead }) while idle, then driven at a fixed
// request rate through a 10× swing of the allocation per request (low, high,
// low). Measures the server's CPU per request traced over untraced (an
// untraced server running the same phase at the same time: every round runs
// all the servers at once), and prints a Markdown section (bench/run.js puts
// it in RESULTS.md). Also prints the allocation rates per CPU-second the
// floor is derived from (lib/tracer/budget.ts, WORST_CASE_ALLOCATION_RATE). Runs
// alone in about 3 minutes:
//   node bench/budget-load.js      (BL_ROUNDS, BL_PHASE_S, BL_RATE, BL_BUDGET)
'use strict';
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const budget = require('../dist/entries/budget.js');
const { allocatedBytes } = require('../dist/entries/measure.js');
const { offer } = require('./fixed-rate');

const BUDGET = Number(process.env.BL_BUDGET || 0.01);
const RATE = Number(process.env.BL_RATE || 150); // requests per second offered to each server
const PHASE_S = Number(process.env.BL_PHASE_S || 10);
const ROUNDS = Number(process.env.BL_ROUNDS || 5);
const LOW = 1;
const HIGH = 10;

const PHASES = [
  { name: 'warm-up', k: LOW, seconds: 2, measured: false },
  { name: `low (k=${LOW})`, k: LOW, seconds: PHASE_S, measured: true },
  { name: `high (k=${HIGH})`, k: HIGH, seconds: PHASE_S, measured: true },
  { name: `low again (k=${LOW})`, k: LOW, seconds: PHASE_S, measured: true },
];
const MODES = [
  { name: 'untraced', options: null },
  { name: 'untraced again (noise)', options: null },
  { name: 'default floor', options: { maxOverhead: BUDGET } },
  { name: 'minInterval 1 KiB, adapt', options: { maxOverhead: BUDGET, minInterval: 1024, adapt: true } },
  { name: 'minInterval 1 KiB (as before)', options: { maxOverhead: BUDGET, minInterval: 1024 } },
];

function getJson(port, urlPath) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

function startServer(mode) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MODE: mode.name, BUDGET_OPTIONS: JSON.stringify(mode.options) };
    const child = spawn(process.execPath, [path.join(__dirname, 'budget-load-server.js')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${mode.name} server exited (${code}) before it listened`)));
    const onData = (chunk) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      const { port, interval } = JSON.parse(buffer.slice(0, nl));
      resolve({ child, port, startInterval: interval });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
  });
}

/**
 * One round: every mode's server at once, each offered the same load at the
 * same time, so the machine's other tenants weigh on all alike. Per server and
 * measured phase: CPU per request and bytes per CPU-second.
 */
async function runRound() {
  const servers = await Promise.all(MODES.map(startServer));
  try {
    const phases = servers.map(() => []);
    for (const phase of PHASES) {
      const before = await Promise.all(servers.map((s) => getJson(s.port, '/stats')));
      const loads = await Promise.all(
        servers.map((s) =>
          offer({ port: s.port, rate: RATE, seconds: phase.seconds, pathFor: () => `/r?k=${phase.k}` }),
        ),
      );
      const after = await Promise.all(servers.map((s) => getJson(s.port, '/stats')));
      if (!phase.measured) continue;
      servers.forEach((_, m) => {
        const [a, b] = [before[m], after[m]];
        const cpu = b.cpuMicros - a.cpuMicros;
        phases[m].push({
          cpuPerRequest: cpu / (b.served - a.served),
          bytesPerCpuSecond: ((b.allocated - a.allocated) / cpu) * 1e6,
          rate: loads[m].rate,
          dropped: loads[m].dropped,
          interval: b.interval,
          restarts: b.restarts,
          warnings: b.warnings,
        });
      });
    }
    return servers.map((s, m) => ({ startInterval: s.startInterval, phases: phases[m] }));
  } finally {
    for (const s of servers) {
      s.child.removeAllListeners('exit');
      s.child.kill('SIGTERM');
    }
  }
}

/** Bytes per CPU-second of loops that only allocate, untraced (what the floor is measured against). */
function allocationRates() {
  let sink;
  const doc = { id: 1, tags: ['a', 'b'], rows: Array.from({ length: 20 }, (_, i) => ({ i, v: i * 0.5, s: `r${i}` })) };
  const loops = {
    'tiny object literals': () => {
      for (let i = 0; i < 100000; i++) sink = { i, next: sink === undefined ? null : { i } };
      sink = undefined;
    },
    'string building': () => {
      let s = '';
      for (let i = 0; i < 100000; i++) {
        s += 'ab';
        if (s.length > 1000) s = '';
      }
      sink = s;
    },
    'JSON round trip': () => {
      for (let i = 0; i < 200; i++) sink = JSON.parse(JSON.stringify(doc));
    },
  };
  const rates = {};
  for (const [name, loop] of Object.entries(loops)) {
    for (let i = 0; i < 200; i++) loop();
    const c0 = process.cpuUsage();
    const a0 = allocatedBytes();
    for (let i = 0; i < 1000; i++) loop();
    const c = process.cpuUsage(c0);
    rates[name] = ((allocatedBytes() - a0) / (c.user + c.system)) * 1e6;
  }
  return rates;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gb = (x) => `${(x / 1e9).toFixed(2)} GB`;
const kib = (x) => (x === 0 ? '—' : x >= 1024 * 1024 ? `${x / 1024 / 1024} MiB` : `${x / 1024} KiB`);

(async () => {
  process.stderr.write(
    `budget-load bench: ${ROUNDS} rounds of ${MODES.length} servers at once, ${PHASES.length} phases (${PHASE_S} s at ${RATE} req/s each)\n`,
  );
  const rates = allocationRates();
  const runs = MODES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`  round ${round + 1}\n`);
    const results = await runRound();
    results.forEach((r, m) => runs[m].push(r));
  }
  const measured = PHASES.filter((p) => p.measured);
  const base = runs[0];
  const bound = 1 + 2 * BUDGET;
  const out = [
    `\`node bench/budget-load.js\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${ROUNDS} rounds.`,
    '',
    `node:http servers started with \`startWithBudget(16, { maxOverhead: ${BUDGET}, ... })\` while idle (calibrating 1 s`,
    `with no requests), all ${MODES.length} running at once, each offered ${RATE} requests/s over loopback keep-alive connections,`,
    `phase after phase (${PHASE_S} s each, after 2 s of warm-up), each request building k × 100 records and serializing them:`,
    `the allocation per request swings ${HIGH / LOW}× from low to high. CPU per request is a server's CPU time (process.cpuUsage:`,
    `every thread, GC included) over the requests it answered (measured); the ratio is over the mean of the two untraced`,
    `servers' same phase, at the same time, median of ${ROUNDS} rounds (min–max in brackets). The bound is 1 + 2 × budget =`,
    `${bound.toFixed(2)}×. "untraced again" is the second untraced server over the first: the noise of this measurement here.`,
    '',
    `| server | start interval | ${measured.map((p) => p.name).join(' | ')} | interval at the end | restarts (last round) | warnings (last round) |`,
    `| --- | ---: | ${measured.map(() => '---:').join(' | ')} | ---: | --- | --- |`,
  ];
  // The baseline: the mean of the two untraced servers' CPU per request (its
  // noise halved); the second untraced server's row is over the first alone.
  const baseline = (p, i) => (runs[0][i].phases[p].cpuPerRequest + runs[1][i].phases[p].cpuPerRequest) / 2;
  const ratios = (m, p) =>
    runs[m].map((r, i) => r.phases[p].cpuPerRequest / (m === 1 ? base[i].phases[p].cpuPerRequest : baseline(p, i)));
  const cells = (m) =>
    measured.map((_, p) => {
      if (m === 0) return `${median(base.map((r) => r.phases[p].cpuPerRequest)).toFixed(0)} µs`;
      const xs = ratios(m, p);
      return `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    });
  for (let m = 0; m < MODES.length; m++) {
    const last = runs[m][runs[m].length - 1];
    const end = last.phases[last.phases.length - 1];
    out.push(
      `| ${MODES[m].name} | ${kib(last.startInterval)} | ${cells(m).join(' | ')} | ${kib(end.interval)} | ` +
        `${end.restarts.join(', ') || '—'} | ${end.warnings.join(', ') || '—'} |`,
    );
  }
  const floorRatios = measured.map((_, p) => median(ratios(2, p)));
  const noise = Math.max(...measured.map((_, p) => Math.abs(median(ratios(1, p)) - 1)));
  const worst = Math.max(...floorRatios);
  const served = runs.flat().flatMap((r) => r.phases);
  out.push(
    '',
    `- Default floor within 1 + 2 × budget (${bound.toFixed(2)}×) in every phase: ${worst <= bound ? '**holds**' : '**misses**'} ` +
      `(worst phase median ${worst.toFixed(2)}×; the two untraced servers differ by up to ${(noise * 100).toFixed(0)}% in a phase median).`,
    `- Served: ${Math.min(...served.map((p) => p.rate)).toFixed(0)}–${Math.max(...served.map((p) => p.rate)).toFixed(0)} ` +
      `requests/s per phase; ${served.reduce((a, p) => a + p.dropped, 0)} dropped (over 64 in flight) in all.`,
    `- The server's allocation, untraced (GC accounting, estimated): low ${gb(median(base.map((r) => r.phases[0].bytesPerCpuSecond)))}, ` +
      `high ${gb(median(base.map((r) => r.phases[1].bytesPerCpuSecond)))} per CPU-second.`,
    `- Loops that only allocate, untraced, in the bench process (the floor assumes at most ${gb(budget.WORST_CASE_ALLOCATION_RATE)}` +
      ' per CPU-second): ' +
      Object.entries(rates)
        .map(([name, r]) => `${name} ${gb(r)}`)
        .join(', ') +
      ' per CPU-second (estimated).',
  );
  process.stdout.write(`${out.join('\n')}\n`);
})();
