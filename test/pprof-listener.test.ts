// NODE_TRACEMALLOC_HTTP: a program started with `-r node-tracemalloc/register`
// serves /debug/pprof/ on loopback, read by the real client, `go tool pprof`;
// the listener never keeps the program alive nor stops it.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { isLoopback, parseListenAddress } from '../lib/faces/http/address';
import { cleanEnv, node, tempDir } from './helpers/cli';
import { repoRoot } from './helpers/child';
import { haveGo, pprofTop, topHeader, topRows } from './helpers/go-pprof';

const APP = path.join(repoRoot, 'test', 'fixtures', 'prod', 'allocating-app.js');
const ENDPOINT =
  /node-tracemalloc: pprof endpoint on http:\/\/([^/]+)\/debug\/pprof\/ \(go tool pprof http:\/\/\1\/debug\/pprof\/heap\)\n/;

interface Running {
  /** host:port from the endpoint line. */
  address: string;
  stop: () => void;
  ended: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}

/** Starts the app under register and resolves once it is READY and the endpoint is announced. */
function startApp(env: NodeJS.ProcessEnv): Promise<Running> {
  return new Promise((resolve, reject) => {
    // NODE_TRACEMALLOC turns tracing on (test/register-errors.test.ts); 1 frame unless the test says.
    const child = spawn(process.execPath, ['-r', 'node-tracemalloc/register', APP], {
      cwd: repoRoot,
      env: cleanEnv({ NODE_TRACEMALLOC: '1', ...env }),
    });
    let stdout = '';
    let stderr = '';
    let resolved = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const ended = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>(
      (done) => {
        child.on('close', (status, signal) => {
          clearTimeout(guard);
          done({ status, signal, stderr, stdout });
          if (!resolved) reject(new Error(`the app ended before it was ready (${status ?? signal}):\n${stderr}`));
        });
      },
    );
    const check = (): void => {
      const match = ENDPOINT.exec(stderr);
      if (!resolved && match !== null && stdout.includes('READY')) {
        resolved = true;
        resolve({ address: match[1], stop: () => child.kill('SIGTERM'), ended });
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      check();
    });
  });
}

const tmp = tempDir('pprof-http');
afterAll(() => tmp.remove());

describe('go tool pprof reads the endpoint', () => {
  const go = haveGo();
  // .ci/run installs Debian's golang-go; a developer machine may lack it.
  if (!go) console.warn('SKIPPED go tool pprof checks: `go` is not installed (apt-get install golang-go)');
  const maybe = go ? test : test.skip;

  maybe('go tool pprof -top http://127.0.0.1:PORT/debug/pprof/heap names the allocating function first', async () => {
    const app = await startApp({
      NODE_TRACEMALLOC_HTTP: '127.0.0.1:0',
      NODE_TRACEMALLOC_INTERVAL: '32K',
      NODE_TRACEMALLOC: '8',
    });
    try {
      const space = await pprofTop(`http://${app.address}/debug/pprof/heap?gc=1`, ['-unit=B'], tmp.dir);
      expect(space.status).toBe(0);
      expect(topHeader(space.stdout).Type).toBe('inuse_space');
      expect(topRows(space.stdout)[0].name).toBe('leakyAllocator');
      const objects = await pprofTop(
        `http://${app.address}/debug/pprof/heap`,
        ['-sample_index=inuse_objects'],
        tmp.dir,
      );
      expect(topHeader(objects.stdout).Type).toBe('inuse_objects');
      expect(topRows(objects.stdout)[0].name).toBe('leakyAllocator');
    } finally {
      app.stop();
    }
    expect((await app.ended).signal).toBe('SIGTERM');
  });

  maybe('-seconds 2 reads a delta profile: what grew during those 2 seconds', async () => {
    const app = await startApp({ NODE_TRACEMALLOC_HTTP: '127.0.0.1:0', NODE_TRACEMALLOC_INTERVAL: '32K' });
    try {
      const delta = await pprofTop(`http://${app.address}/debug/pprof/heap`, ['-seconds', '2', '-unit=B'], tmp.dir);
      expect(delta.status).toBe(0);
      expect(delta.stderr).toContain('/debug/pprof/heap?seconds=2');
      expect(topHeader(delta.stdout).Duration).toMatch(/^2(\.\d+)?s/);
      const top = topRows(delta.stdout)[0];
      expect(top.name).toBe('leakyAllocator');
      expect(top.flat).toBeGreaterThan(0);
    } finally {
      app.stop();
    }
  });

  maybe("our errors reach go tool pprof's user", async () => {
    const app = await startApp({ NODE_TRACEMALLOC_HTTP: '127.0.0.1:0' });
    try {
      const allocs = await pprofTop(`http://${app.address}/debug/pprof/allocs`, [], tmp.dir);
      expect(allocs.status).not.toBe(0);
      expect(allocs.stderr).toContain('allocs: tracing keeps live objects only');
    } finally {
      app.stop();
    }
  });
});

describe('the listener', () => {
  test('never keeps the program alive, even with a scraper waiting on a connection', async () => {
    const app = await startApp({ NODE_TRACEMALLOC_HTTP: '127.0.0.1:0', RUN_MS: '1500' });
    // A delta profile of 30 s, asked for while the program has 1.5 s left:
    // the program ends without answering (its connection and timer are
    // unref'd); were either ref'd, it would answer after 30 s, then exit.
    const answer = await new Promise<string>((resolve) => {
      http
        .get(
          `http://${app.address}/debug/pprof/heap?seconds=30`,
          { agent: new http.Agent({ keepAlive: true }) },
          (res) => {
            res.resume();
            res.on('end', () => resolve(`answered ${res.statusCode ?? 0}`));
          },
        )
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(answer).toBe('ECONNRESET');
    const ended = await app.ended;
    expect([ended.status, ended.signal]).toEqual([0, null]);
  });

  test('a port in use: said once, and the program runs on', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = node(['-r', 'node-tracemalloc/register', APP], {
        env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_HTTP: `127.0.0.1:${port}`, RUN_MS: '300' },
      });
      expect([result.status, result.signal]).toEqual([0, null]);
      expect(result.stdout).toMatch(/^READY \d+\n$/);
      expect(result.stderr).toMatch(
        new RegExp(
          `^node-tracemalloc: cannot serve pprof on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE.*; the program goes on without it\\n$`,
        ),
      );
    } finally {
      taken.close();
    }
  });

  test('a non-loopback address is refused: with NODE_TRACEMALLOC_ON_ERROR=fail before the program runs, by default the program runs untraced, unserved', () => {
    for (const address of ['0.0.0.0:6060', ':6060', '[::]:6060', '10.1.2.3:6060']) {
      const refusal =
        `node-tracemalloc: NODE_TRACEMALLOC_HTTP: refusing to serve heap profiles on ${JSON.stringify(address)}: not a loopback address, ` +
        'so other machines could read them (set NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE=1 to allow it, behind a firewall or an authenticating proxy)';
      const env = { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_HTTP: address, RUN_MS: '100' };
      const failed = node(['-r', 'node-tracemalloc/register', APP], {
        env: { ...env, NODE_TRACEMALLOC_ON_ERROR: 'fail' },
      });
      expect(failed.status).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toBe(`${refusal}\n`);
      const warned = node(['-r', 'node-tracemalloc/register', APP], { env });
      expect(warned.status).toBe(0);
      expect(warned.stdout).toMatch(/^READY \d+\n$/);
      expect(warned.stderr).toBe(
        `${refusal}; running without tracing (NODE_TRACEMALLOC_ON_ERROR=fail stops instead)\n`,
      );
    }
  });

  test('NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE=1 allows it', async () => {
    const app = await startApp({
      NODE_TRACEMALLOC_HTTP: '0.0.0.0:0',
      NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE: '1',
      RUN_MS: '300',
    });
    expect(app.address).toMatch(/^0\.0\.0\.0:\d+$/);
    expect((await app.ended).status).toBe(0);
  });

  test.each([
    [
      'NODE_TRACEMALLOC_HTTP',
      'localhost:http',
      /^node-tracemalloc: NODE_TRACEMALLOC_HTTP: invalid address "localhost:http" \(expected host:port/,
    ],
    [
      'NODE_TRACEMALLOC_HTTP',
      '127.0.0.1:70000',
      /^node-tracemalloc: NODE_TRACEMALLOC_HTTP: invalid address "127.0.0.1:70000"/,
    ],
    [
      'NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE',
      'yes',
      /^node-tracemalloc: NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE: invalid value: "yes" \(expected 1 or 0\)/,
    ],
  ])('%s=%s: one line (NODE_TRACEMALLOC_ON_ERROR=fail: exit 1)', (name, value, message) => {
    const result = node(['-r', 'node-tracemalloc/register', APP], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_ON_ERROR: 'fail', [name]: value },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('addresses', () => {
  test.each([
    ['127.0.0.1:6060', '127.0.0.1', 6060, true],
    ['localhost:0', 'localhost', 0, true],
    ['[::1]:6060', '::1', 6060, true],
    ['6060', '127.0.0.1', 6060, true],
    ['127.9.9.9:1', '127.9.9.9', 1, true],
    ['[::ffff:127.0.0.1]:1', '::ffff:127.0.0.1', 1, true],
    [':6060', '::', 6060, false],
    ['0.0.0.0:6060', '0.0.0.0', 6060, false],
    ['example.com:6060', 'example.com', 6060, false],
    ['[::ffff:10.0.0.1]:1', '::ffff:10.0.0.1', 1, false],
  ])('%s: host %s, port %d, loopback %s', (text, host, port, loopback) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
    expect(isLoopback(host)).toBe(loopback);
  });
});
