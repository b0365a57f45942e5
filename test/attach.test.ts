// `tracemalloc attach <pid>`: real target processes started without
// node-tracemalloc, the real CLI, the real inspector. One file, run in
// order: the tests that open inspectors must not race for a port.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { objectsOfSample } from '../lib/faces/attach/sampling-profile';
import { processListeners } from '../lib/faces/attach/process-info';
import { loadSnapshot } from '../lib/model/dump';
import { DETERMINISTIC_FLAGS, repoRoot, runFixture } from './helpers/child';
import { cleanEnv, cli, cliMain, filesIn, tempDir } from './helpers/cli';

const APP = path.join(repoRoot, 'test', 'fixtures', 'prod', 'allocating-app.js');

interface Target {
  pid: number;
  child: ChildProcess;
  stderr: () => string;
  alive: () => boolean;
  stop: () => Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

const targets: Target[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
});

/** Starts `command args` and resolves when it prints READY (Node targets) or at once (others). */
function startTarget(command: string, args: string[], env: NodeJS.ProcessEnv = {}, waitReady = true): Promise<Target> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: cleanEnv({ RUN_MS: '120000', ...env }) });
    let stdout = '';
    let stderr = '';
    let ended: { status: number | null; signal: NodeJS.Signals | null } | undefined;
    const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolveEnd) => {
      child.on('exit', (status, signal) => {
        ended = { status, signal };
        resolveEnd(ended);
      });
    });
    const target: Target = {
      pid: child.pid as number,
      child,
      stderr: () => stderr,
      alive: () => ended === undefined,
      stop: () => {
        if (ended === undefined) child.kill('SIGTERM');
        return done;
      },
    };
    targets.push(target);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('READY')) resolve(target);
    });
    child.on('error', reject);
    void done.then(() => reject(new Error(`the target ended before it was ready:\n${stderr}`)));
    if (!waitReady) setTimeout(() => resolve(target), 300);
  });
}

/** `tracemalloc attach` asynchronously (the target runs meanwhile). */
function attach(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, 'attach', ...args], { cwd, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The function the most live bytes were allocated in (after the report filters). */
function topFunction(file: string): string | undefined {
  return loadSnapshot(file).statistics('function')[0]?.traceback.at(-1)?.functionName;
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('attach');
});
afterEach(() => tmp.remove());

describe('tracemalloc attach', () => {
  test('profiles a plain node process: the dump names its allocating function first; the inspector is closed again', async () => {
    // --inspect-port=0: the inspector SIGUSR1 opens takes a free port, so tests never race for 9229.
    const target = await startTarget(process.execPath, ['--inspect-port=0', APP]);
    const result = await attach([String(target.pid), '--duration', '1s', '-i', '32K', '-o', 'out.ntm'], tmp.dir);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^tracemalloc attach: opened the inspector of process ${target.pid} on 127\\.0\\.0\\.1:\\d+\\n`),
    );
    expect(result.stderr).toContain(`tracemalloc attach: closed the inspector of process ${target.pid} again\n`);
    expect(result.stdout).toMatch(
      /^Top \d+ of \d+ lines by size — out\.ntm\nestimated: sampled every 32\.0 KiB, traceback limit 128 frames;/,
    );
    // The first row of the report is the allocating function (size ±, count ±, samples, average: the columns of main's reports).
    expect(result.stdout).toMatch(
      /\s+function\n\s*\S+ \S+\s+\S+ \S+\s+\d+\s+\d+\s+\d+\s+\d+ B\s+\S+allocating-app\.js:8\s+leakyAllocator\n/,
    );
    expect(result.stdout).toMatch(/\nDump: out\.ntm\n$/);
    expect(topFunction(path.join(tmp.dir, 'out.ntm'))).toBe('leakyAllocator');
    // Opened by SIGUSR1, then closed: the target listens on nothing now, and runs on.
    expect(target.stderr()).toContain('Debugger listening on ws://127.0.0.1:');
    expect(processListeners(target.pid)).toEqual([]);
    expect(target.alive()).toBe(true);
  });

  test('twice in a row: the first left neither the sampler nor the inspector behind', async () => {
    const target = await startTarget(process.execPath, ['--inspect-port=0', APP]);
    for (const out of ['one.ntm', 'two.ntm']) {
      const result = await attach([String(target.pid), '-d', '500ms', '-i', '32K', '-o', out], tmp.dir);
      expect(result.status).toBe(0);
      expect(topFunction(path.join(tmp.dir, out))).toBe('leakyAllocator');
    }
    expect(processListeners(target.pid)).toEqual([]);
  });

  test('the target survives attach after attach (closing the inspector once crashed it: SIGSEGV)', async () => {
    const target = await startTarget(process.execPath, ['--inspect-port=0', APP]);
    for (let i = 0; i < 8; i++) {
      const result = await attach([String(target.pid), '-d', '300ms', '-i', '32K', '-o', `${i}.ntm`], tmp.dir);
      expect(result.stderr).toContain('closed the inspector');
      // The crash came as the inspector closed, just after attach returned.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(target.alive()).toBe(true);
    }
  });

  test('an inspector open before (--inspect) is used and left open', async () => {
    const target = await startTarget(process.execPath, ['--inspect=127.0.0.1:0', APP]);
    const before = processListeners(target.pid);
    expect(before).toHaveLength(1);
    const result = await attach([String(target.pid), '-d', '300ms', '-i', '32K', '-o', 'open.ntm'], tmp.dir);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^tracemalloc attach: using the inspector already open on 127\.0\.0\.1:\d+\n/);
    expect(result.stderr).toMatch(/left the inspector open on 127\.0\.0\.1:\d+, as it was before\n$/);
    expect(topFunction(path.join(tmp.dir, 'open.ntm'))).toBe('leakyAllocator');
    expect(processListeners(target.pid)).toEqual(before);
    expect(target.alive()).toBe(true);
  });

  test('the default port, 9229, when it is free', async () => {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false));
      probe.listen(9229, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) {
      console.warn('SKIPPED the default-port attach: 127.0.0.1:9229 is in use on this machine');
      return;
    }
    const target = await startTarget(process.execPath, [APP]);
    const result = await attach(
      [String(target.pid), '-d', '500ms', '-i', '32K', '-o', 'default.ntm', '--json'],
      tmp.dir,
    );
    expect(result.stderr).toContain('on 127.0.0.1:9229');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ pid: target.pid, inspector: '127.0.0.1:9229', closed: true });
  });

  test('Ctrl-C ends the sampling early, and still stops the sampler, closes the inspector and writes the dump', async () => {
    const target = await startTarget(process.execPath, ['--inspect-port=0', APP]);
    const child = spawn(
      process.execPath,
      [cliMain, 'attach', String(target.pid), '-d', '10m', '-i', '32K', '-o', 'early.ntm'],
      {
        cwd: tmp.dir,
        env: cleanEnv(),
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (chunk.includes('sampling every')) setTimeout(() => child.kill('SIGINT'), 500);
    });
    child.stdout.resume();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(stderr).toContain('tracemalloc attach: interrupted: taking the profile so far\n');
    expect(stderr).toContain('closed the inspector');
    expect(topFunction(path.join(tmp.dir, 'early.ntm'))).toBe('leakyAllocator');
  });

  test('a process tracing with node-tracemalloc already: refused, its tracing untouched', async () => {
    // A series every 200 ms (register writes no dump when a signal ends the program).
    const target = await startTarget(process.execPath, ['--inspect-port=0', '-r', 'node-tracemalloc/register', APP], {
      NODE_TRACEMALLOC: '1',
      NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'own.ntm'),
      NODE_TRACEMALLOC_INTERVAL: '32K',
      NODE_TRACEMALLOC_SNAPSHOT_EVERY: '200',
      NODE_TRACEMALLOC_KEEP: 'all',
    });
    const own = (): string[] => filesIn(tmp.dir, /^own-\d+\.ntm$/);
    const result = await attach([String(target.pid), '-d', '500ms', '-o', 'no.ntm'], tmp.dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `tracemalloc attach: process ${target.pid} already runs V8's sampling heap profiler (node-tracemalloc, @datadog/pprof or DevTools): ` +
        "attaching would take it over and stop it, so nothing was changed; use that tool's profiles\n",
    );
    expect(fs.existsSync(path.join(tmp.dir, 'no.ntm'))).toBe(false);
    expect(processListeners(target.pid)).toEqual([]);
    // Its own tracing went on: a dump it writes after the attach names its allocator.
    const before = own().length;
    for (let i = 0; i < 300 && own().length <= before; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const after = own();
    expect(after.length).toBeGreaterThan(before);
    expect((await target.stop()).signal).toBe('SIGTERM');
    expect(topFunction(after[after.length - 1])).toBe('leakyAllocator');
  });

  test('the inspector port taken by another process: a clear error, the target runs on', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const target = await startTarget(process.execPath, [`--inspect-port=${port}`, APP]);
      const result = await attach([String(target.pid), '-d', '500ms'], tmp.dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `tracemalloc attach: the inspector port ${port} is taken by another process (127.0.0.1:${port} is in use), so process ${target.pid} ` +
          'could not open its inspector (its own stderr says so). Free the port, or start the program with --inspect-port=<free port>\n',
      );
      expect(target.stderr()).toMatch(
        new RegExp(`Starting inspector on 127\\.0\\.0\\.1:${port} failed: address already in use`),
      );
      expect(target.alive()).toBe(true);
    } finally {
      taken.close();
    }
  });

  test('not a Node process: nothing is sent, it runs on', async () => {
    const sleeper = await startTarget('sleep', ['60'], {}, false);
    const result = await attach([String(sleeper.pid)], tmp.dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `tracemalloc attach: process ${sleeper.pid} (/usr/bin/sleep) does not handle SIGUSR1, so it is not a Node process that can open its inspector ` +
        '(or Node runs with --disable-sigusr1); SIGUSR1 would stop it, so nothing was sent\n',
    );
    expect(sleeper.alive()).toBe(true);
    // A program that handles SIGUSR1 but is not Node is not signalled either.
    const shell = await startTarget('bash', [
      '-c',
      'trap "echo GOT USR1 >&2" USR1; echo READY; while :; do sleep 0.1; done',
    ]);
    const second = await attach([String(shell.pid)], tmp.dir);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      /does not look like Node: SIGUSR1 means something else to most programs, so nothing was sent \(pass --force if it is Node under another name\)\n$/,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(shell.stderr()).not.toContain('GOT USR1');
  });

  test('no such process; usage errors', () => {
    const missing = cli(['attach', '999999999']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('tracemalloc attach: no process with pid 999999999\n');
    expect(cli(['attach']).stderr).toBe(
      'tracemalloc attach: missing the pid of the process to attach to (try tracemalloc attach --help)\n',
    );
    expect(cli(['attach', 'abc']).status).toBe(2);
    expect(cli(['attach', '1', '--duration', 'long']).stderr).toMatch(
      /^tracemalloc attach: --duration: invalid period: "long"/,
    );
  });
});

describe('the sampling profile as a snapshot', () => {
  interface Totals {
    size: number;
    count: number;
    frame: { filename: string; lineno: number };
  }
  test('at interval 1, against the addon: the same frame, one object per sample, the profile bytes kept', () => {
    const r = runFixture<{
      native: Totals;
      inspector: Totals;
      raw: { selfSize: number; samples: number; bytes: number };
      tracebackLimit: number;
      exact: boolean;
    }>(path.join('prod', 'inspector-vs-native.js'), DETERMINISTIC_FLAGS);
    // 1-based start lines from the protocol's 0-based ones, as the addon reads V8's.
    expect(r.inspector.frame).toEqual(r.native.frame);
    expect(r.inspector.count).toBe(r.raw.samples);
    expect(r.inspector.size).toBe(r.raw.bytes);
    expect(r.inspector.size).toBe(r.raw.selfSize);
    // 3000 objects kept and the array's final backing store (a few more are V8's).
    expect(r.inspector.count).toBeGreaterThanOrEqual(3001);
    expect(r.inspector.count).toBeLessThanOrEqual(3010);
    expect([r.tracebackLimit, r.exact]).toEqual([128, true]);
  });

  test('objects per sample: as the addon counts them above the interval, where V8 does not round; bounded below it', () => {
    const interval = 1024;
    for (const size of [1200, 2048, 10_000]) {
      const scale = 1 / -Math.expm1(-size / interval);
      // V8 rounds the scaled count to 1 for objects over ~1.1 intervals: the bytes it reports are the object's size.
      expect(Math.round(scale)).toBe(1);
      expect(objectsOfSample(size, interval)).toBeCloseTo(scale, 12);
    }
    expect(objectsOfSample(40, 1)).toBe(1);
    // Small objects: V8 reports about interval + a fraction of the size; the count is rough but at most one object per 8 bytes.
    for (const size of [16, 24, 48, 200]) {
      const bytes = size * Math.round(1 / -Math.expm1(-size / interval));
      expect(objectsOfSample(bytes, interval)).toBeGreaterThanOrEqual(1);
      expect(objectsOfSample(bytes, interval)).toBeLessThanOrEqual(bytes / 8);
    }
  });
});
