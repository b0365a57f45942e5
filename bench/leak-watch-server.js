// The server bench/leak-watch.js loads: node:http answering JSON, with a
// bounded cache (a non-leak that churns), and, with LEAK=1, a helper that
// keeps every request in a module-level Map (the leak). Traces itself and
// feeds a LeakWatcher a snapshot every EVERY ms (what watchLeaks() does on
// its timer), printing one JSON line per snapshot with fs.writeSync.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const tm = require('../dist/index.js');
const { LeakWatcher, formatLeak } = require('../dist/entries/production.js');

const EVERY = Number(process.env.EVERY || 1000);
const WINDOW = Number(process.env.WINDOW || 10);
const INTERVAL = Number(process.env.INTERVAL || 64 * 1024);

const sessions = new Map();
function rememberSession(id, req) {
  sessions.set(id, { id, path: req.url, agent: req.headers['user-agent'], at: Date.now(), tags: ['a', 'b', 'c'] });
}

const cache = new Map();
function cached(key) {
  let value = cache.get(key);
  if (value === undefined) {
    value = { key, rows: Array.from({ length: 8 }, (_, i) => ({ i, label: `${key}-${i}` })) };
    cache.set(key, value);
    if (cache.size > 500) cache.delete(cache.keys().next().value); // oldest out: bounded
  }
  return value;
}

let served = 0;
function handle(req, res) {
  const n = ++served;
  if (process.env.LEAK === '1') rememberSession(n, req);
  const user = `user-${n % 2000}`;
  const body = JSON.stringify({
    n,
    user: cached(user),
    items: Array.from({ length: 20 }, (_, i) => ({ i, v: i * n })),
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

tm.start(1, { interval: INTERVAL });
const watcher = new LeakWatcher({ window: WINDOW });
let snapshots = 0;
setInterval(() => {
  const snapshot = tm.takeSnapshot({ gc: true });
  const reports = watcher.observe(snapshot, Date.now());
  snapshots++;
  // To replay the run with other settings (LeakWatcher over the dumps).
  if (process.env.DUMP_DIR)
    tm.dumpSnapshot(snapshot, `${process.env.DUMP_DIR}/s-${String(snapshots).padStart(4, '0')}.ntm`);
  fs.writeSync(
    1,
    `${JSON.stringify({ snapshot: snapshots, served, reports: reports.map((r) => ({ fn: r.functionName, rate: r.rate, confidence: r.confidence, line: formatLeak(r) })) })}\n`,
  );
}, EVERY);

const server = http.createServer(handle);
server.listen(0, '127.0.0.1', () => fs.writeSync(1, `${JSON.stringify({ port: server.address().port })}\n`));
