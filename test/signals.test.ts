// A signal ends a traced program as it would end it untraced, busy, blocked
// or idle: under `node -r node-tracemalloc/register` and under `tracemalloc
// run`, which also has the dump written first (lib/faces/run-protocol.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshot } from '../lib/model/dump';
import type { ChildResult } from './helpers/child';
import { cleanEnv, cliFixtures, cliMain, filesIn, nodeWithSignal, tempDir } from './helpers/cli';

const STUCK = path.join(cliFixtures, 'stuck.js');
const REGISTER = 'node-tracemalloc/register';
// Far above the relay's own bounds (2 s to answer, 1 s more before SIGKILL):
// a process that does not die of the signal ends with the watchdog's SIGKILL.
const WATCHDOG_MS = 20_000;
const MODES = ['busy', 'wait', 'idle'] as const;

let tmp: ReturnType<typeof tempDir>;
/** TMPDIR of `tracemalloc run`: its private directory must be gone when it ends. */
let runTmp: string;
beforeEach(() => {
  tmp = tempDir('signals');
  runTmp = path.join(tmp.dir, 'tmp');
  fs.mkdirSync(runTmp);
});
afterEach(() => tmp.remove());

/** Objects kept by the fixture's makeObjects, per the dump. */
function keptCount(file: string): number {
  const stat = loadSnapshot(file)
    .statistics('function')
    .find((s) => s.traceback.at(-1)?.functionName === 'makeObjects');
  return stat?.count ?? 0;
}

/**
 * Resolves once the program (its pid printed after READY) sits in a read(2)
 * of fd 0 (Linux x64: syscall 0, first argument 0), so that a signal finds it
 * blocked there and not in the JavaScript before.
 */
async function blockedInRead(stdout: string): Promise<void> {
  const pid = /READY (\d+)/.exec(stdout)?.[1];
  for (let i = 0; i < 400; i++) {
    let syscall = '';
    try {
      syscall = fs.readFileSync(`/proc/${pid}/syscall`, 'utf8');
    } catch {
      // not there yet
    }
    if (syscall.startsWith('0 0x0 ')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`process ${pid} never blocked in read(0)`);
}

function run(mode: string, signal: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  const out = path.join(tmp.dir, 'run.ntm');
  return nodeWithSignal([cliMain, 'run', '--exact', '-o', out, STUCK, mode], signal, {
    env: { TMPDIR: runTmp, ...env },
    ready: 'READY',
    watchdogMs: WATCHDOG_MS,
    before: mode === 'read' ? blockedInRead : undefined,
  });
}

describe('node -r register: no handler of ours holds a signal', () => {
  const cases = MODES.flatMap((mode) => (['SIGTERM', 'SIGINT'] as const).map((signal) => [mode, signal] as const));
  test.each(cases)('%s program, %s: it dies of the signal', async (mode, signal) => {
    const result = await nodeWithSignal(['-r', REGISTER, STUCK, mode], signal, {
      env: {
        NODE_TRACEMALLOC: '5',
        NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'r.ntm'),
        NODE_TRACEMALLOC_REPORT: '3',
      },
      ready: 'READY',
      watchdogMs: WATCHDOG_MS,
    });
    expect(result.signal).toBe(signal);
  });
});

describe('tracemalloc run: the dump is written, then the program and run die of the signal', () => {
  const cases = MODES.flatMap((mode) =>
    (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((signal) => [mode, signal] as const),
  );
  test.each(cases)('%s program, %s', async (mode, signal) => {
    const result = await run(mode, signal);
    expect(result.signal).toBe(signal);
    expect(result.stderr).toMatch(/^Top \d+ of \d+ lines by size — .*run\.ntm\nexact: every allocation recorded/);
    // No word from the inspector session the relay uses.
    expect(result.stderr).not.toContain('debugger');
    // Exact: every object the program kept before the signal is in the dump.
    expect(keptCount(path.join(tmp.dir, 'run.ntm'))).toBeGreaterThanOrEqual(20000);
    expect(fs.readdirSync(runTmp)).toEqual([]);
  });

  test('blocked outside JavaScript (a synchronous read): ended without a dump, and said so', async () => {
    const result = await run('read', 'SIGTERM');
    expect(result.signal).toBe('SIGTERM');
    expect(result.stderr).toBe(
      'tracemalloc run: the program did not answer SIGTERM within 2 s (blocked outside JavaScript?): ending it without a dump\n',
    );
    expect(filesIn(tmp.dir, /\.ntm$/)).toEqual([]);
    expect(fs.readdirSync(runTmp)).toEqual([]);
  });

  test("a program's own handler decides; its process.exit() still dumps", async () => {
    const result = await run('idle', 'SIGTERM', { OWN_HANDLER: 'SIGTERM' });
    expect(result.stdout).toContain('OWN HANDLER');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(keptCount(path.join(tmp.dir, 'run.ntm'))).toBeGreaterThanOrEqual(20000);
    expect(result.stderr).not.toContain('debugger');
  });
});

/** True while `pid` runs (a zombie waiting for its parent does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('tracemalloc run killed by SIGKILL: its program dumps and ends, its directory is removed', async () => {
  const out = path.join(tmp.dir, 'orphan.ntm');
  const parent = spawn(process.execPath, [cliMain, 'run', '--exact', '-o', out, STUCK, 'busy'], {
    cwd: tmp.dir,
    env: cleanEnv({ TMPDIR: runTmp }),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve) => {
    let stdout = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /READY (\d+)/.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
  });
  parent.kill('SIGKILL');
  const deadline = Date.now() + WATCHDOG_MS;
  while (running(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const left = running(pid);
  if (left) process.kill(pid, 'SIGKILL');
  expect(left).toBe(false);
  expect(keptCount(out)).toBeGreaterThanOrEqual(20000);
  expect(fs.readdirSync(runTmp)).toEqual([]);
});

// Ctrl-C typed in a terminal reaches tracemalloc run and the program at once.
const hasScript = spawnSync('script', ['--version']).status === 0;
(hasScript ? test : test.skip)('Ctrl-C in a terminal (util-linux script): the dump, then exit 130', async () => {
  const out = path.join(tmp.dir, 'tty.ntm');
  const command = `exec ${[process.execPath, cliMain, 'run', '--exact', '-o', out, STUCK, 'busy'].map((a) => `'${a}'`).join(' ')}`;
  const script = spawn('script', ['-qefc', command, '/dev/null'], { env: cleanEnv({ TMPDIR: runTmp, NO_COLOR: '1' }) });
  let output = '';
  let typed = false;
  const watchdog = setTimeout(() => script.kill('SIGKILL'), WATCHDOG_MS);
  script.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (!typed && output.includes('READY')) {
      typed = true;
      script.stdin.write('\x03');
    }
  });
  const status = await new Promise<number | null>((resolve) => script.on('close', (code) => resolve(code)));
  clearTimeout(watchdog);
  // script -e exits with the command's status: 128 + SIGINT for a death by SIGINT.
  expect(status).toBe(130);
  expect(output).toMatch(/Top \d+ of \d+ lines by size — .*tty\.ntm/);
  expect(keptCount(out)).toBeGreaterThanOrEqual(20000);
  expect(fs.readdirSync(runTmp)).toEqual([]);
});
