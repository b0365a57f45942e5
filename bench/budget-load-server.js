// The server bench/budget-load.js drives: node:http, each request building
// `k` × 100 small records and serializing them (about 25 KB allocated per
// unit of k), so the client swings the allocation per request by the `k` in
// the URL. MODE: 'untraced', or a startWithBudget(16, BUDGET...) setting
// (see MODES in budget-load.js), started at boot while idle, as the issue's
// server did. /stats answers what the bench measures: the process's CPU time
// and the heap's allocated bytes (GC accounting), requests served, and what
// the budget's watch did.
'use strict';
const http = require('node:http');
const tm = require('../dist/index.js');
const { startWithBudget } = require('../dist/entries/budget.js');
const { allocatedBytes } = require('../dist/entries/measure.js');

const MODE = process.env.MODE;
const OPTIONS = JSON.parse(process.env.BUDGET_OPTIONS || 'null');

function records(k) {
  const rows = [];
  for (let i = 0; i < k * 100; i++) rows.push({ i, name: `item-${i}`, tags: ['a', 'b'], score: i * 0.5 });
  return JSON.stringify(rows);
}

let served = 0;
const warnings = [];
process.on('warning', (w) => {
  if (w.name === 'TracemallocWarning') warnings.push(w.code);
});

(async () => {
  const choice = OPTIONS === null ? undefined : await startWithBudget(16, OPTIONS);
  const server = http.createServer((req, res) => {
    if (req.url === '/stats') {
      const cpu = process.cpuUsage();
      res.end(
        JSON.stringify({
          cpuMicros: cpu.user + cpu.system,
          allocated: allocatedBytes(),
          served,
          interval: tm.getSamplingInterval(),
          restarts: choice?.watch.restarts.map((r) => `${r.from}→${r.to}`) ?? [],
          warnings,
        }),
      );
      return;
    }
    served++;
    const k = Number(new URL(req.url, 'http://x').searchParams.get('k')) || 1;
    res.end(String(records(k).length));
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ port: server.address().port, mode: MODE, interval: choice?.interval ?? 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => process.exit(0));
})();
