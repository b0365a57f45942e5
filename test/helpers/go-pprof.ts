// The real pprof client: `go tool pprof -top` on a file or a URL, for the
// tests that check what Go's tooling reads. `go` comes from Debian's
// golang-go (.ci/run installs it); without it these tests skip, saying so.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** True when `go version` runs. */
export function haveGo(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

/** `go tool pprof -top <args> <source>`, asynchronously (the source may be served by this process); `home` holds pprof's cache. */
export function pprofTop(
  source: string,
  args: string[],
  home: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['tool', 'pprof', '-top', ...args, source], {
      env: { ...process.env, HOME: home, PPROF_TMPDIR: home, GOCACHE: path.join(home, 'gocache') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The rows of `-top` output, in order: flat value (in the -unit asked for) and the function. */
export function topRows(text: string): { flat: number; name: string }[] {
  return text
    .split('\n')
    .map((line) => /^\s*(-?[\d.]+)B?\s+-?[\d.]+%\s+-?[\d.]+%\s+-?[\d.]+B?\s+-?[\d.]+%\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ flat: Number(m[1]), name: m[2] }));
}

/** `Type: inuse_space` and such: the header lines of `-top`, by name. */
export function topHeader(text: string): Record<string, string> {
  const header: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(Type|Duration|Time|Showing nodes accounting for)[: ]\s*(.*)$/.exec(line);
    if (m !== null) header[m[1]] = m[2];
  }
  return header;
}
