// What Linux's /proc says about a process we are about to attach to: does it
// exist and may we signal it, does it catch SIGUSR1 (Node does, to open its
// inspector; for most programs SIGUSR1 is fatal), which TCP sockets it
// listens on, and which inspector port its command line asks for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeControlChars } from '../../helpers/control-chars';

/** Why attaching failed (see {@link AttachError}). */
export type AttachFailure =
  'no-such-process' | 'not-permitted' | 'not-node' | 'port-taken' | 'no-inspector' | 'sampler-busy' | 'inspector';

/**
 * Attaching to a process failed; `reason` says why, for tests and scripts,
 * as DumpFormatError's does. The message is escaped: it can quote the
 * target's name and executable path (lib/helpers/control-chars.ts).
 */
export class AttachError extends Error {
  readonly code = 'ERR_TRACEMALLOC_ATTACH_FAILED' as const;
  readonly reason: AttachFailure;

  constructor(reason: AttachFailure, message: string) {
    super(escapeControlChars(message));
    this.name = 'AttachError';
    this.reason = reason;
  }
}

/** A listening TCP socket. */
export interface Listener {
  /** Dotted IPv4 or full-form IPv6 (`0000:...`), as the kernel has it; see {@link connectHost}. */
  address: string;
  family: 4 | 6;
  port: number;
  inode: number;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Checks that `pid` exists and that we may signal it.
 * @throws {AttachError} `no-such-process`, `not-permitted`
 */
export function checkSignalable(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new AttachError('no-such-process', `no process with pid ${pid}`);
    if (code === 'EPERM') {
      throw new AttachError('not-permitted', `process ${pid} belongs to another user: attach as its user (or root)`);
    }
    throw error;
  }
}

/** The process's name (`comm`) and executable's path, where /proc lets us read them. */
export function describeProcess(pid: number): { name: string; executable: string | undefined } {
  const name = (read(`/proc/${pid}/comm`) ?? '').trim() || '?';
  let executable: string | undefined;
  try {
    executable = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    executable = undefined;
  }
  return { name, executable };
}

/** True when the process has a handler for SIGUSR1 (bit 9 of SigCgt in /proc/<pid>/status). */
export function catchesSigusr1(pid: number): boolean {
  const status = read(`/proc/${pid}/status`);
  const mask = status === undefined ? undefined : /^SigCgt:\s*([0-9a-f]+)$/im.exec(status)?.[1];
  if (mask === undefined) throw new AttachError('not-permitted', `cannot read /proc/${pid}/status`);
  return (BigInt(`0x${mask}`) & (1n << 9n)) !== 0n; // SIGUSR1 is 10 on Linux: bit 10 - 1
}

/**
 * Checks that signalling SIGUSR1 opens an inspector rather than killing the
 * process: it must catch SIGUSR1 and (unless `force`) look like Node.
 * @throws {AttachError} `not-node`
 */
export function checkNode(pid: number, force: boolean): void {
  const { name, executable } = describeProcess(pid);
  const what = `process ${pid} (${executable ?? name})`;
  if (!catchesSigusr1(pid)) {
    throw new AttachError(
      'not-node',
      `${what} does not handle SIGUSR1, so it is not a Node process that can open its inspector ` +
        '(or Node runs with --disable-sigusr1); SIGUSR1 would stop it, so nothing was sent',
    );
  }
  const looksLikeNode = /node/i.test(name) || (executable !== undefined && /node/i.test(path.basename(executable)));
  if (!looksLikeNode && !force) {
    throw new AttachError(
      'not-node',
      `${what} does not look like Node: SIGUSR1 means something else to most programs, so nothing was sent ` +
        '(pass --force if it is Node under another name)',
    );
  }
}

function parseAddress(hex: string): { address: string; family: 4 | 6 } {
  if (hex.length === 8) {
    // Little-endian IPv4.
    const n = Buffer.from(hex, 'hex');
    return { address: `${n[3]}.${n[2]}.${n[1]}.${n[0]}`, family: 4 };
  }
  // Four little-endian 32-bit words.
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = Buffer.from(hex.slice(i, i + 8), 'hex')
      .reverse()
      .toString('hex');
    words.push(w.slice(0, 4), w.slice(4, 8));
  }
  return { address: words.join(':'), family: 6 };
}

/** Every listening TCP socket of the process's network namespace (/proc/<pid>/net/tcp and tcp6). */
export function namespaceListeners(pid: number): Listener[] {
  const out: Listener[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const text = read(`/proc/${pid}/net/${table}`) ?? '';
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A: LISTEN
      const [hexAddress, hexPort] = cols[1].split(':');
      out.push({ ...parseAddress(hexAddress), port: parseInt(hexPort, 16), inode: Number(cols[9]) });
    }
  }
  return out;
}

/** The socket inodes the process holds (its /proc/<pid>/fd links to `socket:[inode]`). */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AttachError('no-such-process', `process ${pid} has ended`);
    throw new AttachError(
      'not-permitted',
      `cannot read the sockets of process ${pid} (${code ?? 'error'}): attach as its user (or root)`,
    );
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m !== null) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The TCP sockets the process itself listens on. */
export function processListeners(pid: number): Listener[] {
  const inodes = socketInodes(pid);
  return namespaceListeners(pid).filter((l) => inodes.has(l.inode));
}

/** Where to connect to reach a listener on this machine: loopback for the wildcard addresses. */
export function connectHost(listener: Listener): string {
  if (listener.family === 4) return listener.address === '0.0.0.0' ? '127.0.0.1' : listener.address;
  const zero = /^[0:]*$/.test(listener.address);
  if (zero) return '::1';
  // An IPv4-mapped address: 0000:0000:0000:0000:0000:ffff:7f00:0001.
  const mapped = /^(?:0000:){5}ffff:([0-9a-f]{4}):([0-9a-f]{4})$/.exec(listener.address);
  if (mapped !== null) {
    const n = Buffer.from(mapped[1] + mapped[2], 'hex');
    return `${n[0]}.${n[1]}.${n[2]}.${n[3]}`;
  }
  return listener.address;
}

/** NODE_OPTIONS' words, then the command line after the executable (what Node parses its flags from). */
function nodeArguments(pid: number): string[] {
  const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').split('\0');
  const environ = (read(`/proc/${pid}/environ`) ?? '').split('\0');
  const nodeOptions = environ.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
  return [...nodeOptions.split(/\s+/), ...cmdline.slice(1)];
}

/** True when the process was started with its inspector open (`--inspect`, `--inspect-brk`, `--inspect-wait`). */
export function startedWithInspector(pid: number): boolean {
  return nodeArguments(pid).some((arg) => /^--inspect(?:-brk|-wait)?(?:=|$)/.test(arg));
}

/**
 * The inspector port the process will open on SIGUSR1: the last
 * `--inspect-port`, `--debug-port`, `--inspect` or `--inspect-brk` value of
 * its NODE_OPTIONS and command line (`[host:]port`), else 9229.
 */
export function expectedInspectorPort(pid: number): number {
  const args = nodeArguments(pid);
  let port = 9229;
  for (let i = 0; i < args.length; i++) {
    const m = /^--(?:inspect-port|debug-port|inspect|inspect-brk|inspect-wait)(?:=(.*))?$/.exec(args[i]);
    if (m === null) continue;
    let value = m[1];
    if (value === undefined && /^--(?:inspect-port|debug-port)$/.test(args[i])) value = args[++i];
    const portText = value === undefined ? undefined : /(?:^|:)(\d+)$/.exec(value)?.[1];
    if (portText !== undefined) port = Number(portText);
  }
  return port;
}
