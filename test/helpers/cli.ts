// Runs the built CLI (dist/faces/cli/main.js) and fixture programs in child
// processes, as a user would; `npm run build:ts` first (the test script's pretest).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, type ChildResult } from './child';

export const cliMain = path.join(repoRoot, 'dist', 'faces', 'cli', 'main.js');
export const cliFixtures = path.join(repoRoot, 'test', 'fixtures', 'cli');

/** The environment of the test run without settings that would change a child's behaviour. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      !name.startsWith('NODE_TRACEMALLOC') &&
      name !== 'NODE_OPTIONS' &&
      name !== 'FORCE_COLOR' &&
      name !== 'NO_COLOR'
    ) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** `node <args>` synchronously. */
export function node(args: string[], options: RunOptions = {}): ChildResult {
  const result = spawnSync(process.execPath, args, {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: cleanEnv(options.env),
    timeout: 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** `tracemalloc <args>` synchronously. */
export function cli(args: string[], options: RunOptions = {}): ChildResult {
  return node([cliMain, ...args], options);
}

/**
 * Starts `node <args>`, waits for `ready` on its stdout (then for `before`,
 * given what it printed so far), sends `signal`, and resolves when it ends;
 * SIGKILLs it after `watchdogMs` (default 60 s), so that a process which does
 * not die of `signal` ends with SIGKILL.
 */
export function nodeWithSignal(
  args: string[],
  signal: NodeJS.Signals,
  options: RunOptions & { ready: string; watchdogMs?: number; before?: (stdout: string) => Promise<void> },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? repoRoot, env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.watchdogMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent && stdout.includes(options.ready)) {
        sent = true;
        void (options.before?.(stdout) ?? Promise.resolve()).then(() => child.kill(signal));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status, sig) => {
      clearTimeout(timer);
      resolve({ status, signal: sig, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tracemalloc-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The files in `dir` whose names match `pattern`, sorted, as absolute paths. */
export function filesIn(dir: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** The JSON on the last non-empty line of `text`. */
export function lastJson<T>(text: string): T {
  const lines = text.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
