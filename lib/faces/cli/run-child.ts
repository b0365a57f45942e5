// `tracemalloc run`'s child process, and the signals sent to `tracemalloc run`
// while it runs: each one has the program write its dump, then end as it
// would have untraced, within a bounded time (see lib/faces/run-protocol.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENV } from '../activation';
import { MESSAGE, RELAYED_SIGNALS, inTerminal, onLines, type RelayedSignal } from '../run-protocol';
import type { CliIO } from './command';

/**
 * How long the program has to begin its dump after a signal. It begins at
 * once when running JavaScript or idle; only a thread blocked outside
 * JavaScript (a synchronous read, a native call) cannot.
 */
export const ANSWER_MS = 2000;
/** How long the dump and report may then take. */
export const DUMP_MS = 30_000;
/** After we send the signal ourselves: if it is still alive (our SIGINT shield holds), SIGKILL. */
const KILL_MS = 1000;

export interface ChildEnd {
  code: number | null;
  /** The signal the program died of; the one we were sent when we had to SIGKILL it. */
  signal: NodeJS.Signals | null;
  /** We said why it ended without its dump. */
  explained: boolean;
  /** The dumps it wrote, in order. */
  dumps: string[];
}

/** Listens on `socketPath`; undefined when it cannot (a path too long for a socket, say): signals are then only passed on. */
function listen(socketPath: string): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(socketPath, () => resolve(server));
  });
}

class SignalRelay {
  private child: ChildProcess | undefined;
  private offered = false;
  private control: net.Socket | undefined;
  /** Set while the program writes its dump for a signal: a second signal then ends it at once. */
  private waiting: RelayedSignal | undefined;
  private timer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** A signal that came before the child was started. */
  early: RelayedSignal | undefined;
  /** The signal we ended the program with ourselves. */
  endedWith: RelayedSignal | undefined;

  constructor(
    private readonly io: CliIO,
    private readonly terminal: boolean,
  ) {}

  private get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `offered`: the child was given a control socket, its relay will connect. */
  attach(child: ChildProcess, offered: boolean): void {
    this.child = child;
    this.offered = offered;
  }

  connect(socket: net.Socket): void {
    socket.on('error', () => undefined);
    if (this.control !== undefined) {
      socket.destroy();
      return;
    }
    this.control = socket;
    socket.on('close', () => {
      this.control = undefined;
    });
    onLines(socket, (line) => this.message(line));
    if (this.waiting !== undefined) socket.write(`${this.waiting}\n`);
  }

  received(signal: RelayedSignal): void {
    if (this.child === undefined) {
      this.early ??= signal;
      return;
    }
    // Ended by us already: SIGKILL follows if need be.
    if (!this.alive || this.endedWith !== undefined) return;
    if (this.waiting !== undefined) {
      this.say(`${signal} again: ending the program without waiting for its dump`);
      this.end(signal);
      return;
    }
    if (!this.offered) {
      // No relay: pass the signal on, as a shell would.
      this.forward(signal);
      return;
    }
    this.waiting = signal;
    // Before the relay has connected (it starts with the program), the signal waits for it.
    this.control?.write(`${signal}\n`);
    this.arm(
      ANSWER_MS,
      `the program did not answer ${signal} within ${ANSWER_MS / 1000} s (blocked outside JavaScript?): ending it without a dump`,
    );
  }

  private message(line: string): void {
    const signal = this.waiting;
    if (signal === undefined) return;
    if (line === MESSAGE.DUMPING) {
      this.arm(DUMP_MS, `the dump did not finish within ${DUMP_MS / 1000} s: ending the program without it`);
    } else if (line === MESSAGE.DELIVER) {
      // The program handles this signal itself: it decides, as without us.
      this.waiting = undefined;
      this.disarm();
      this.forward(signal);
    }
  }

  private forward(signal: RelayedSignal): void {
    // From a terminal, the program got this Ctrl-C already: a second one could mean "force quit" to it.
    if (signal === 'SIGINT' && this.terminal) return;
    this.child?.kill(signal);
  }

  private arm(ms: number, why: string): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.say(why);
      if (this.waiting !== undefined) this.end(this.waiting);
    }, ms);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends the program now: the signal, then SIGKILL if our shield or a blocked thread holds it. */
  private end(signal: RelayedSignal): void {
    this.disarm();
    this.waiting = undefined;
    this.endedWith ??= signal;
    this.child?.kill(signal);
    this.killTimer ??= setTimeout(() => {
      if (this.alive) this.child?.kill('SIGKILL');
    }, KILL_MS);
  }

  private say(message: string): void {
    this.io.stderr.write(`tracemalloc run: ${message}\n`);
  }

  close(): void {
    this.disarm();
    clearTimeout(this.killTimer);
    this.control?.destroy();
  }
}

function readManifest(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** How long, after a dump signal passed on, we look for the dump it asks for (ms). */
const SIGNAL_DUMP_MS = 30_000;
const MANIFEST_POLL_MS = 100;

/**
 * After each dump signal passed on, calls `onDump` with each dump the manifest
 * gains, until as many appeared as signals came or SIGNAL_DUMP_MS pass. Never
 * keeps us alive.
 */
class SignalDumps {
  private seen: number;
  /** Signals passed on whose dump has not appeared yet. */
  private awaited = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;

  constructor(
    private readonly manifest: string,
    private readonly onDump: (file: string) => void,
  ) {
    this.seen = readManifest(manifest).length;
  }

  signalled(): void {
    this.awaited++;
    this.deadline = Date.now() + SIGNAL_DUMP_MS;
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.poll(), MANIFEST_POLL_MS);
    this.timer.unref();
  }

  private poll(): void {
    const dumps = readManifest(this.manifest);
    const fresh = dumps.slice(this.seen);
    this.seen = dumps.length;
    for (const file of fresh) this.onDump(file);
    this.awaited -= fresh.length;
    if (this.awaited <= 0 || Date.now() >= this.deadline) this.stop();
  }

  stop(): void {
    this.awaited = 0;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Runs `node <args>` with `env` plus the settings of our private channel to
 * register (a manifest of the dumps written, a control socket), relaying
 * SIGINT, SIGTERM and SIGHUP, and passing on the `forward` signals as they
 * come (a dump signal: the program goes on, and `onDump` gets the dump it
 * wrote); resolves with how it ended and its dumps. Our private directory is
 * gone when it resolves, or rejects.
 */
export async function runChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: CliIO,
  forward: readonly NodeJS.Signals[] = [],
  onDump: (file: string) => void = () => undefined,
): Promise<ChildEnd> {
  // Our handlers first, so that no signal can stop us between here and the
  // removal of the directory; one that comes before the child starts ends the run.
  const relay = new SignalRelay(io, inTerminal());
  const handlers: [NodeJS.Signals, () => void][] = RELAYED_SIGNALS.map((signal) => {
    const handler = (): void => relay.received(signal);
    process.on(signal, handler);
    return [signal, handler];
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracemalloc-run-'));
  let server: net.Server | undefined;
  let signalDumps: SignalDumps | undefined;
  try {
    const manifest = path.join(dir, 'dumps');
    fs.writeFileSync(manifest, '');
    signalDumps = new SignalDumps(manifest, onDump);
    const socketPath = path.join(dir, 'control');
    server = await listen(socketPath);
    if (relay.early !== undefined) {
      io.stderr.write(`tracemalloc run: ${relay.early} before the program started\n`);
      return { code: null, signal: relay.early, explained: true, dumps: [] };
    }
    const childEnv: NodeJS.ProcessEnv = { ...env, [ENV.MANIFEST]: manifest };
    if (server !== undefined) childEnv[ENV.CONTROL] = socketPath;
    const child = spawn(process.execPath, args, { cwd: io.cwd, env: childEnv, stdio: 'inherit' });
    for (const signal of forward) {
      const handler = (): void => {
        child.kill(signal);
        signalDumps?.signalled();
      };
      process.on(signal, handler);
      handlers.push([signal, handler]);
    }
    relay.attach(child, server !== undefined);
    server?.on('connection', (socket) => {
      relay.connect(socket);
      // One child, one connection.
      server?.close();
    });
    const ended = await waitForExit(child);
    // SIGKILL is ours only when the program would not die of the signal we were sent.
    const signal = ended.signal === 'SIGKILL' && relay.endedWith !== undefined ? relay.endedWith : ended.signal;
    return { code: ended.code, signal, explained: relay.endedWith !== undefined, dumps: readManifest(manifest) };
  } finally {
    signalDumps?.stop();
    relay.close();
    server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
}
