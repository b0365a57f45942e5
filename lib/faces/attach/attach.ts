// Attach: profile the heap of a Node process started without any of this.
// SIGUSR1 makes Node open its inspector (Node's documented mechanism); we
// find the port it bound by the sockets the process holds (/proc), drive
// V8's sampling heap profiler over the DevTools protocol for a while, take
// the profile, and close the inspector again. The target needs no addon.
import * as http from 'node:http';
import type { HeapProfile } from '../export/heapprofile';
import type { Snapshot } from '../../model/snapshot';
import { ProtocolError, ProtocolSession } from './cdp';
import {
  AttachError,
  checkNode,
  checkSignalable,
  connectHost,
  expectedInspectorPort,
  namespaceListeners,
  processListeners,
  startedWithInspector,
  type Listener,
} from './process-info';
import { snapshotOfSamplingProfile } from './sampling-profile';

/** Options of {@link attachProfile}. */
export interface AttachOptions {
  /** How long to sample, in milliseconds. */
  durationMs: number;
  /** Mean bytes between samples (1: every allocation, slow). */
  interval: number;
  /** Attach to a process that catches SIGUSR1 but is not named node. */
  force?: boolean;
  /** Aborting ends the sampling early; the profile so far is taken. */
  stop?: AbortSignal;
  /** Progress lines (`inspector opened on 127.0.0.1:9229`, ...). */
  say?: (message: string) => void;
  /** How long to wait for the inspector to open (default 10 s). */
  openTimeoutMs?: number;
}

export interface AttachResult {
  snapshot: Snapshot;
  /** host:port of the inspector used. */
  inspector: string;
  /** The inspector was open before we came: it was left open. */
  wasOpen: boolean;
  /** We opened it and it is closed again. */
  closed: boolean;
}

/** How long after our last request the target closes its inspector: our sessions are gone by then. */
const CLOSE_DELAY_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The inspector's WebSocket URL at `listener`, or undefined when it is no inspector. */
function inspectorUrl(listener: Listener): Promise<string | undefined> {
  const host = connectHost(listener);
  return new Promise((resolve) => {
    const req = http.get({ host, port: listener.port, path: '/json/list', timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 1 << 20) req.destroy();
      });
      res.on('end', () => {
        try {
          const targets = JSON.parse(body) as { webSocketDebuggerUrl?: unknown }[];
          const ws = targets.find((t) => typeof t.webSocketDebuggerUrl === 'string')?.webSocketDebuggerUrl as
            string | undefined;
          // Its path, at the address we reached it on (the URL may name 0.0.0.0).
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve(ws === undefined ? undefined : `ws://${shown}:${listener.port}${new URL(ws).pathname}`);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** SIGUSR1, then the first new listening socket of the process that answers as an inspector. */
async function openInspector(
  pid: number,
  timeoutMs: number,
): Promise<{ listener: Listener; url: string; wasOpen: boolean }> {
  const before = processListeners(pid);
  // Started with --inspect: its inspector is among the sockets it holds already.
  if (startedWithInspector(pid)) {
    for (const listener of before) {
      const url = await inspectorUrl(listener);
      if (url !== undefined) return { listener, url, wasOpen: true };
    }
  }
  const port = expectedInspectorPort(pid);
  const start = Date.now();
  process.kill(pid, 'SIGUSR1');
  while (Date.now() < start + timeoutMs) {
    await sleep(50);
    checkSignalable(pid); // SIGUSR1 must not have ended it
    const mine = processListeners(pid);
    const fresh = mine.filter((l) => !before.some((b) => b.inode === l.inode));
    for (const listener of fresh) {
      const url = await inspectorUrl(listener);
      if (url !== undefined) return { listener, url, wasOpen: false };
    }
    // Its port held by someone else for a second: it will not open.
    const taken = namespaceListeners(pid).some((l) => l.port === port && !mine.some((m) => m.inode === l.inode));
    if (taken && Date.now() > start + 1000) break;
  }
  // Nothing new: an inspector open before we came (--inspect, an earlier attach)?
  for (const listener of before) {
    const url = await inspectorUrl(listener);
    if (url !== undefined) return { listener, url, wasOpen: true };
  }
  const own = processListeners(pid);
  const holder = namespaceListeners(pid).find((l) => l.port === port && !own.some((o) => o.inode === l.inode));
  if (holder !== undefined) {
    throw new AttachError(
      'port-taken',
      `the inspector port ${port} is taken by another process (${connectHost(holder)}:${port} is in use), so process ${pid} ` +
        `could not open its inspector (its own stderr says so). Free the port, or start the program with --inspect-port=<free port>`,
    );
  }
  throw new AttachError(
    'no-inspector',
    `process ${pid} did not open an inspector within ${Math.round(timeoutMs / 1000)} s after SIGUSR1 ` +
      '(its main thread may be blocked, or this Node was built without the inspector)',
  );
}

/**
 * Ends the inspector we opened. process._debugEnd() (what inspector.close()
 * runs) with a session still connected crashes the target now and then
 * (SIGSEGV, seen on Node 20, 22 and 26; nodejs/node#18761 is the same
 * kind): so the target runs it a second after this evaluation, once every
 * session is gone (ours end now), from setImmediate so that the end of our
 * session, delivered to the main loop, is handled first even if the main
 * thread was busy meanwhile. Unref'd, and it cannot throw in the target.
 * Resolves true once the inspector's socket is closed.
 */
async function closeInspector(url: string, pid: number, listener: Listener): Promise<boolean> {
  const session = await ProtocolSession.open(url, 10_000);
  try {
    await session.call(
      'Runtime.evaluate',
      {
        expression: `setTimeout(() => setImmediate(() => { try { process._debugEnd(); } catch {} }), ${CLOSE_DELAY_MS}).unref(); 'closing'`,
      },
      10_000,
    );
  } finally {
    await session.close();
  }
  const deadline = Date.now() + CLOSE_DELAY_MS + 5000;
  while (Date.now() < deadline) {
    const open = processListeners(pid).some((l) => l.inode === listener.inode);
    if (!open) return true;
    await sleep(50);
  }
  return false;
}

function waitFor(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done);
  });
}

/**
 * Samples the JS heap of process `pid` for `durationMs` through its
 * inspector and returns a snapshot of the live objects allocated meanwhile:
 * the objects V8 sampled after we started that are still alive at the end
 * (V8 collects garbage before it answers), as `takeSnapshot()` would.
 * Sizes are V8's estimates; counts are estimated from them (see
 * `objectsOfSample`).
 *
 * While the inspector is open, anyone who can reach its port on loopback can
 * run code in the process: it stays open only for the duration, then is
 * closed again (unless it was open before).
 *
 * @throws {AttachError} no such process, not permitted, not Node, the inspector port taken,
 *   no inspector, V8's sampler already in use, or a protocol failure
 */
export async function attachProfile(pid: number, options: AttachOptions): Promise<AttachResult> {
  const say = options.say ?? ((): void => {});
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new AttachError('no-such-process', `invalid pid ${String(pid)}`);
  if (pid === process.pid) throw new AttachError('inspector', 'cannot attach to this process itself');
  checkSignalable(pid);
  checkNode(pid, options.force === true);
  const { listener, url, wasOpen } = await openInspector(pid, options.openTimeoutMs ?? 10_000);
  const address = `${connectHost(listener)}:${listener.port}`;
  say(
    wasOpen ? `using the inspector already open on ${address}` : `opened the inspector of process ${pid} on ${address}`,
  );
  let session: ProtocolSession;
  try {
    session = await ProtocolSession.open(url, 10_000);
  } catch (error) {
    if (!wasOpen) await closeInspector(url, pid, listener).catch(() => false);
    throw new AttachError(
      'inspector',
      `cannot connect to the inspector on ${address}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let closed = false;
  let snapshot: Snapshot;
  try {
    // V8 has one sampler per isolate: if someone runs it, starting ours would
    // take theirs over and stopping it would end their profile.
    let busy = false;
    try {
      await session.call('HeapProfiler.getSamplingProfile', {}, 120_000);
      busy = true;
    } catch (error) {
      if (!(error instanceof ProtocolError) || error.code === undefined) throw error;
    }
    if (busy) {
      throw new AttachError(
        'sampler-busy',
        `process ${pid} already runs V8's sampling heap profiler (node-tracemalloc, @datadog/pprof or DevTools): ` +
          "attaching would take it over and stop it, so nothing was changed; use that tool's profiles",
      );
    }
    await session.call('HeapProfiler.startSampling', { samplingInterval: options.interval }, 30_000);
    let profile: HeapProfile;
    try {
      say(`sampling every ${options.interval} bytes for ${Math.round(options.durationMs / 1000)} s`);
      await waitFor(options.durationMs, options.stop);
    } finally {
      // Always stopped, even when the wait was cut short; the answer is the profile.
      profile = (await session.call<{ profile: HeapProfile }>('HeapProfiler.stopSampling', {}, 300_000)).profile;
    }
    snapshot = snapshotOfSamplingProfile(profile, options.interval, Date.now());
  } catch (error) {
    if (error instanceof AttachError) throw error;
    throw new AttachError(
      'inspector',
      `the inspector of process ${pid} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    // Our session ends first, its HeapProfiler agent disabled while still
    // connected; then the inspector, if we opened it (see closeInspector).
    try {
      await session.call('HeapProfiler.disable', {}, 10_000);
    } catch {
      // the connection is gone: V8 disabled it as the session ended
    }
    await session.close();
    if (!wasOpen) {
      try {
        closed = await closeInspector(url, pid, listener);
      } catch {
        closed = false;
      }
      if (!closed) say(`could not close the inspector of process ${pid} on ${address}: it is still open`);
    }
  }
  return { snapshot, inspector: address, wasOpen, closed };
}
