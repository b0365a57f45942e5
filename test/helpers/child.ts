// Runs a fixture script in a fresh Node process (own isolate, own V8 flags)
// and returns what it printed as JSON on its last stdout line.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { noInliningFlags } from '../../lib/tracer/inlining';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');

/**
 * Flags that make V8's sampler deterministic (see ../shared/V8-FACTS.md), and
 * keep every function's frame on this V8 (lib/tracer/inlining.ts).
 */
export const DETERMINISTIC_FLAGS = [
  '--predictable',
  '--sampling-heap-profiler-suppress-randomness',
  ...noInliningFlags(),
];

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): ChildResult {
  const result = spawnSync(process.execPath, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    input: options.input,
    timeout: 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** {@link runNode} without blocking, so that several children can run at once. */
export function runNodeAsync(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Runs test/fixtures/<name> with `flags` and parses the JSON it prints last. */
export function runFixture<T>(name: string, flags: string[] = [], args: string[] = []): T {
  const result = runNode([...flags, path.join(fixtures, name), ...args]);
  if (result.status !== 0) {
    throw new Error(
      `fixture ${name} exited with ${result.status ?? result.signal}:\n${result.stderr}\n${result.stdout}`,
    );
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
