// Dumps on demand: a running program that gets its dump signal writes the
// next dump of its series (and the report when asked), and goes on running;
// under register (NODE_TRACEMALLOC_SIGNAL), `tracemalloc run --signal`, and
// dumpOnSignal() in a program that traces itself. Real child processes,
// real signals, exact mode (every allocation recorded).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSignal } from '../lib/faces/activation';
import { loadSnapshot } from '../lib';
import { dumpOnSignal } from '../lib/entries/production';
import { cleanEnv, cliFixtures, cliMain, node, tempDir } from './helpers/cli';
import { repoRoot } from './helpers/child';

const FIXTURE = path.join(cliFixtures, 'on-demand.js');
// keepObjects starts on line 7 of the fixture (V8 records functions' start lines).
const KEEP_LINE = 7;
const KEPT = 5000;
const REGISTER = 'node-tracemalloc/register';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('on-demand');
});
afterEach(() => tmp.remove());

interface Running {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  /** Resolves with the exit code and signal. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node <args>` and resolves once it printed READY; SIGKILLed after 60 s whatever happens. */
async function startChild(args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('READY')) resolve();
    });
    void ended.then(() => reject(new Error(`ended before READY: ${stderr}`)));
  });
  return { child, stderr: () => stderr, ended };
}

/** Resolves once `file` exists (dumps are renamed into place whole); rejects after 30 s. */
async function appears(file: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(file)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${file} never appeared`);
}

/** The dump's largest line: keepObjects' objects and strings, all still alive. */
function expectKeptOnTop(file: string): void {
  const top = loadSnapshot(file).statistics('lineno')[0];
  const frame = top.traceback.at(-1);
  expect(`${frame?.filename}:${frame?.lineno}`).toBe(`${FIXTURE}:${KEEP_LINE}`);
  // Exact mode: each of the 5000 objects and its name string, at least.
  expect(top.count).toBeGreaterThanOrEqual(2 * KEPT);
}

async function signalTwice(running: Running, first: string, second: string): Promise<void> {
  running.child.kill('SIGUSR2');
  await appears(first);
  running.child.kill('SIGUSR2');
  await appears(second);
  // Both dumps written, and the program still runs.
  expect(running.child.exitCode).toBeNull();
  expect(running.child.signalCode).toBeNull();
}

test('register: each NODE_TRACEMALLOC_SIGNAL writes the next dump of the series and the report; the program goes on, then exits with its last dump', async () => {
  const out = path.join(tmp.dir, 'heap.ntm');
  const running = await startChild(['-r', REGISTER, FIXTURE], {
    NODE_TRACEMALLOC: '4',
    NODE_TRACEMALLOC_INTERVAL: '1',
    NODE_TRACEMALLOC_OUTPUT: out,
    NODE_TRACEMALLOC_SIGNAL: 'SIGUSR2',
    NODE_TRACEMALLOC_REPORT: '3',
  });
  const dump = (n: number): string => path.join(tmp.dir, `heap-000${n}.ntm`);
  await signalTwice(running, dump(1), dump(2));
  running.child.stdin.write('exit\n');
  expect(await running.ended).toEqual({ code: 0, signal: null });
  for (const n of [1, 2, 3]) expectKeptOnTop(dump(n));
  expect(fs.readdirSync(tmp.dir).sort()).toEqual(['heap-0001.ntm', 'heap-0002.ntm', 'heap-0003.ntm']);
  // A report per dump, on demand and at exit, each naming its dump.
  for (const n of [1, 2, 3]) expect(running.stderr()).toContain(`heap-000${n}.ntm`);
  expect(running.stderr()).toContain(`on-demand.js:${KEEP_LINE}`);
});

test('dumpOnSignal() in a program that traces itself: a dump and the report per signal, and it goes on', async () => {
  const out = path.join(tmp.dir, 'api-%n.ntm');
  const running = await startChild([FIXTURE, 'api', out], {});
  const dump = (n: number): string => path.join(tmp.dir, `api-000${n}.ntm`);
  await signalTwice(running, dump(1), dump(2));
  running.child.stdin.write('exit\n');
  expect(await running.ended).toEqual({ code: 0, signal: null });
  for (const n of [1, 2]) expectKeptOnTop(dump(n));
  // No dump at exit: that is register's.
  expect(fs.readdirSync(tmp.dir).sort()).toEqual(['api-0001.ntm', 'api-0002.ntm']);
  expect(running.stderr()).toContain(`on-demand.js:${KEEP_LINE}`);
});

test('tracemalloc run --signal: the signal sent to run reaches the program, which dumps and goes on', async () => {
  const out = path.join(tmp.dir, 'run.ntm');
  const running = await startChild([cliMain, 'run', '--exact', '--signal', 'usr2', '-o', out, FIXTURE], {});
  const dump = (n: number): string => path.join(tmp.dir, `run-000${n}.ntm`);
  await signalTwice(running, dump(1), dump(2));
  // run prints the report of each signal's dump while the program goes on, as --help says.
  await reported(running, dump(2));
  expect(running.stderr()).toContain(`Dump: ${dump(1)}`);
  expect(running.child.exitCode).toBeNull();
  running.child.stdin.write('exit\n');
  expect(await running.ended).toEqual({ code: 0, signal: null });
  for (const n of [1, 2, 3]) expectKeptOnTop(dump(n));
  expect(running.stderr()).toContain('3 dumps');
});

/** Resolves once the child's stderr names `file` as a report's dump; rejects after 30 s. */
async function reported(running: Running, file: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (running.stderr().includes(`Dump: ${file}`)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no report of ${file}:\n${running.stderr()}`);
}

describe('refused signals', () => {
  test.each([
    ['SIGUSR1', "it belongs to Node's inspector"],
    ['SIGTERM', 'the program would no longer stop on it'],
    ['SIGKILL', 'it cannot be caught'],
    ['SIGBOGUS', 'unknown signal: "SIGBOGUS"'],
  ])('%s: a setting error under register, an argument error from dumpOnSignal()', (signal, why) => {
    const result = node(['-r', REGISTER, '-e', 'console.log("ran")'], {
      env: {
        NODE_TRACEMALLOC: '4',
        NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'x.ntm'),
        NODE_TRACEMALLOC_SIGNAL: signal,
        NODE_TRACEMALLOC_ON_ERROR: 'fail',
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`node-tracemalloc: NODE_TRACEMALLOC_SIGNAL: `);
    expect(result.stderr).toContain(why);
    expect(result.stdout).toBe('');
    expect(() => dumpOnSignal(signal as NodeJS.Signals, { output: path.join(tmp.dir, 'x.ntm') })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining(why) }),
    );
  });

  test('run --signal SIGUSR1 is a usage error', () => {
    const result = node([cliMain, 'run', '--signal', 'SIGUSR1', FIXTURE]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--signal: cannot dump on SIGUSR1: it belongs to Node's inspector");
  });
});

test('NODE_TRACEMALLOC_SIGNAL needs somewhere to write', () => {
  const result = node(['-r', REGISTER, '-e', '0'], {
    env: { NODE_TRACEMALLOC: '4', NODE_TRACEMALLOC_SIGNAL: 'SIGUSR2', NODE_TRACEMALLOC_ON_ERROR: 'fail' },
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('NODE_TRACEMALLOC_SIGNAL: needs NODE_TRACEMALLOC_OUTPUT');
});

test('signal names: any case, with or without SIG; close() gives the signal back', () => {
  expect(parseSignal('SIGUSR2')).toBe('SIGUSR2');
  expect(parseSignal(' usr2 ')).toBe('SIGUSR2');
  expect(parseSignal('sighup')).toBe('SIGHUP');
  expect(parseSignal('WINCH')).toBe('SIGWINCH');
  const before = process.listenerCount('SIGWINCH');
  const handle = dumpOnSignal('SIGWINCH', { output: path.join(tmp.dir, 'x-%n.ntm') });
  expect(process.listenerCount('SIGWINCH')).toBe(before + 1);
  handle.close();
  expect(process.listenerCount('SIGWINCH')).toBe(before);
});
