#!/usr/bin/env node
// Soak test: an HTTP server (node:http) traced at the production preset,
// start(16, { interval: 512 KiB }), under loopback load for a set time,
// printing each minute the server's RSS, the samples V8 retains for us,
// requests and errors. Not run in CI: it runs for minutes.
//
//   npm run build:ts && node scripts/soak.js --duration 2m
//   options: --duration <time> (default 2m), --every <time> (report period,
//            default 1m), --concurrency <n> (requests in flight, default 16),
//            --max-requests <n> (default 50,000,000), --dump <file.ntm>
//            (the server's last snapshot)
//
// The server runs in a child process (IPC), the client here, so only the
// server is traced. It listens on 127.0.0.1 only; the client stops at the
// duration or the request count, whichever comes first. Exit code 1 when a
// request failed or tracing stopped.
'use strict';
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');

const dist = path.join(__dirname, '..', 'dist');

if (process.argv[2] === '--server') server();
else
  client().catch((error) => {
    console.error(error);
    process.exit(1);
  });

// ---- the traced server ---------------------------------------------------

function server() {
  const tracemalloc = require(dist);
  const { DEFAULT_SAMPLED_INTERVAL } = require(path.join(dist, 'entries', 'model'));
  tracemalloc.start(16, { interval: DEFAULT_SAMPLED_INTERVAL });
  let serverErrors = 0;
  // A bounded cache: what a real service keeps between requests. Live memory
  // should level off once it is full; a leak of ours would not.
  const cache = new Map();
  const CACHE_SIZE = 2000;

  function item(id) {
    let entry = cache.get(id);
    if (entry === undefined) {
      entry = {
        id,
        name: `item ${id}`,
        tags: Array.from({ length: 8 }, (_, i) => `tag-${(id * 7 + i) % 97}`),
        created: Date.now(),
      };
      cache.set(id, entry);
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
    }
    return entry;
  }

  const httpServer = http.createServer((req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      const id = Number(url.searchParams.get('id')) || 0;
      const body = JSON.stringify({
        item: item(id % 10000),
        related: [item((id + 1) % 10000), item((id + 2) % 10000)],
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (error) {
      serverErrors++;
      res.writeHead(500);
      res.end(String(error));
    }
  });
  httpServer.on('clientError', (error, socket) => {
    serverErrors++;
    socket.destroy();
  });

  function stats() {
    const tracing = tracemalloc.isTracing();
    let samples = 0;
    let traced = 0;
    if (tracing) {
      // No GC: what V8 holds now, as a production snapshot would see it.
      const snapshot = tracemalloc.takeSnapshot({ gc: false });
      samples = snapshot.traces.length;
      traced = snapshot.totalSize;
    }
    const memory = process.memoryUsage();
    return {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      samples,
      traced,
      tracer: tracemalloc.getTracemallocMemory(),
      tracing,
      serverErrors,
    };
  }

  process.on('message', (message) => {
    try {
      if (message.type === 'stats') process.send({ type: 'stats', stats: stats() });
      else if (message.type === 'dump') {
        tracemalloc.takeSnapshot().dump(message.file);
        process.send({ type: 'dumped' });
      } else if (message.type === 'stop') httpServer.close(() => process.exit(0));
    } catch (error) {
      serverErrors++;
      process.send({ type: 'failed', message: String(error && error.message) });
    }
  });
  httpServer.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: httpServer.address().port }));
}

// ---- the load client -----------------------------------------------------

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '2m' },
      every: { type: 'string', default: '1m' },
      concurrency: { type: 'string', default: '16' },
      'max-requests': { type: 'string', default: '50000000' },
      dump: { type: 'string' },
    },
  });
  const { parseDuration } = require(path.join(dist, 'faces', 'activation'));
  const count = (name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name}: expected an integer ≥ 1, got ${values[name]}`);
    return n;
  };
  return {
    duration: parseDuration(values.duration),
    every: parseDuration(values.every),
    concurrency: count('concurrency'),
    maxRequests: count('max-requests'),
    dump: values.dump === undefined ? undefined : path.resolve(values.dump),
  };
}

function ask(child, message, answer) {
  return new Promise((resolve, reject) => {
    const onMessage = (reply) => {
      if (reply.type === answer || reply.type === 'failed') {
        child.off('message', onMessage);
        if (reply.type === 'failed') reject(new Error(`server: ${reply.message}`));
        else resolve(reply);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function client() {
  const opts = options();
  const { formatSize } = require(dist);
  const child = fork(__filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const start = Date.now();
  const deadline = start + opts.duration;
  let sent = 0;
  let done = 0;
  let errors = 0;
  const errorKinds = new Map();
  const fail = (kind) => {
    errors++;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  };

  function request(id) {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/item?id=${id}`, agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
          else {
            try {
              if (JSON.parse(Buffer.concat(chunks).toString('utf8')).item.id !== id % 10000) fail('wrong body');
            } catch {
              fail('bad JSON');
            }
          }
          resolve();
        });
        res.on('error', () => {
          fail('response error');
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        fail(error.message === 'timeout' ? 'timeout' : `request error ${error.code ?? error.message}`);
        resolve();
      });
    });
  }

  async function loop() {
    while (Date.now() < deadline && sent < opts.maxRequests) {
      const id = sent++;
      await request(id);
      done++;
    }
  }

  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  const rows = [];
  console.log(
    `soak: node ${process.version}, server pid ${child.pid}, 127.0.0.1:${port}, production preset start(16, { interval: 512 KiB }), ` +
      `${opts.concurrency} requests in flight, ${opts.duration / 1000} s`,
  );
  console.log(
    'requests, errors, RSS, heap used and retained samples are exact counts; traced and tracer bytes are estimates',
  );
  console.log('  time  requests    req/s  errors  RSS MB  heap MB  samples  traced (est.)  tracer (est.)  tracing');
  let lastDone = 0;
  let lastErrors = 0;
  let lastAt = start;
  async function report() {
    const { stats } = await ask(child, { type: 'stats' }, 'stats');
    const now = Date.now();
    const row = { t: (now - start) / 1000, requests: done - lastDone, ...stats };
    const rate = row.requests / ((now - lastAt) / 1000);
    // Client errors in this period, and the server's since the start.
    const periodErrors = errors - lastErrors + stats.serverErrors - (rows.at(-1)?.serverErrors ?? 0);
    rows.push(row);
    console.log(
      `${row.t.toFixed(0).padStart(5)}s ${String(row.requests).padStart(9)} ${rate.toFixed(0).padStart(8)} ${String(periodErrors).padStart(7)} ` +
        `${mb(stats.rss).padStart(7)} ${mb(stats.heapUsed).padStart(8)} ${String(stats.samples).padStart(8)} ` +
        `${formatSize(stats.traced).padStart(14)} ${formatSize(stats.tracer).padStart(14)}  ${stats.tracing ? 'on' : 'OFF'}`,
    );
    lastDone = done;
    lastErrors = errors;
    lastAt = now;
  }

  const timer = setInterval(() => {
    report().catch((error) => {
      fail(`stats: ${error.message}`);
    });
  }, opts.every);
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  clearInterval(timer);
  await report();
  if (opts.dump !== undefined) {
    await ask(child, { type: 'dump', file: opts.dump }, 'dumped');
    console.log(`dump: ${opts.dump}`);
  }
  agent.destroy();
  const last = rows[rows.length - 1];
  const serverErrors = last.serverErrors;
  const rss = rows.map((r) => r.rss);
  console.log(
    `total: ${done} requests in ${((Date.now() - start) / 1000).toFixed(0)} s, ${errors} client errors` +
      `${errorKinds.size > 0 ? ` (${[...errorKinds].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}, ${serverErrors} server errors; ` +
      `RSS ${mb(Math.min(...rss))}–${mb(Math.max(...rss))} MB; retained samples ${rows[0].samples} → ${last.samples}; tracing ${last.tracing ? 'on' : 'OFF'} at the end`,
  );
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.send({ type: 'stop' });
  });
  process.exitCode = errors + serverErrors > 0 || !last.tracing ? 1 : 0;
}
