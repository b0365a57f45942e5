// Go's net/http/pprof for the JS heap: a plain `(req, res)` handler serving
// /debug/pprof/heap and /debug/pprof/allocs as Go does, so `go tool pprof`,
// Parca and Pyroscope read a Node process as they read a Go one. Works as a
// node:http request listener, as express middleware (`next` for other
// paths) and in fastify through `reply.raw` (README, "Production").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderTop, type ReportOptions } from '../report';
import { encodePprof } from '../export/pprof';
import { errorCode } from '../../helpers/errors';
import type { Snapshot } from '../../model/snapshot';
import { snapshotDelta } from '../../model/snapshot-delta';
import * as tracemalloc from '../../tracer/tracemalloc';
import * as check from '../../helpers/validate';

/** Options of {@link pprofHandler}. */
export interface PprofHandlerOptions {
  /** Map frames of transpiled code back to their sources in every profile (default false: it costs time per request). */
  sourceMaps?: boolean;
  /** The longest `?seconds=` window accepted (default 600). */
  maxSeconds?: number;
}

/** A request handler for node:http, express (with `next`) and fastify (`reply.raw`). */
export type PprofHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

const PREFIX = '/debug/pprof';
// Delta requests each hold a snapshot while they wait: a few at a time.
const MAX_WAITING_DELTAS = 4;

/** What each profile serves: its snapshot view (lib/model/views.ts), pprof sample types and how the text report calls it. */
const PROFILES = {
  heap: { view: 'live', sampleTypes: ['inuse_objects', 'inuse_space'], what: 'live objects (inuse)' },
  allocs: {
    view: 'allocated',
    sampleTypes: ['alloc_objects', 'alloc_space'],
    what: 'allocated objects, collected ones included (alloc)',
  },
} as const;
type ProfileName = keyof typeof PROFILES;

/** An error answered as Go's serveError does: plain text, and X-Go-Pprof so `go tool pprof` prints it. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const INDEX = `<!DOCTYPE html>
<html><head><title>/debug/pprof/</title></head><body>
<p>node-tracemalloc: JS heap profiles in Go's pprof format.</p>
<ul>
<li><a href="heap?debug=1">heap</a>: live objects by allocation site (inuse_space, inuse_objects).
 <code>?gc=1</code> collects garbage first; <code>?seconds=N</code> answers the change over N seconds.</li>
<li><a href="allocs?debug=1">allocs</a>: allocations, collected objects included (only while tracing keeps them).</li>
</ul>
<p><code>go tool pprof -top http://HOST/debug/pprof/heap</code></p>
</body></html>
`;

/** `?name=` as Go's strconv.Atoi after FormValue: a missing or malformed value is 0. */
function intParam(query: URLSearchParams, name: string): number {
  const text = query.get(name) ?? '';
  return /^[+-]?\d+$/.test(text) ? Number(text) : 0;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.removeHeader('Content-Disposition');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'X-Go-Pprof': '1',
  });
  res.end(`${message}\n`);
}

function send(res: ServerResponse, req: IncomingMessage, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(200, { 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Go's `net/http/pprof` routes for the JS heap, as one `(req, res)` handler:
 *
 * - `/debug/pprof/heap`: the live objects traced, the `'live'` view
 *   (sample types `inuse_objects`, `inuse_space`, as Go's heap profile
 *   names them); `?gc=1` runs a full GC first (without it, garbage not yet
 *   collected is included; V8 drops a sample when its object is collected);
 * - `/debug/pprof/allocs`: allocations, the `'allocated'` view
 *   (`alloc_objects`, `alloc_space`), served only while tracing keeps
 *   collected objects' samples (`start(..., { allocated: true })`,
 *   `NODE_TRACEMALLOC_VIEW=allocated`: their memory grows without bound);
 * - a view tracing cannot give (allocs while keeping live objects only;
 *   heap while keeping collected ones, before Node 26): 501 with the reason;
 * - `?seconds=N`: the change over N seconds (a delta profile, as Go's;
 *   values may be negative);
 * - `?debug=1`: the text report of the profile instead (all sites, by line);
 * - `/debug/pprof/`: an index.
 *
 * Paths are matched with or without the `/debug/pprof` prefix, so the
 * handler can be mounted under it (`app.use('/debug/pprof', handler)`).
 * Any other path goes to `next` when given (express), else gets a 404.
 * Profiles are estimates unless tracing is exact, like every snapshot. The
 * handler never throws: every failure is an HTTP error with a message.
 *
 * @example
 * http.createServer(pprofHandler()).listen(6060, '127.0.0.1');
 * // go tool pprof -top http://127.0.0.1:6060/debug/pprof/heap
 * @throws {TypeError} a bad option
 */
export function pprofHandler(options?: PprofHandlerOptions): PprofHandler {
  const opts = check.options(options, 'options', ['sourceMaps', 'maxSeconds'] as const);
  const sourceMaps = opts.sourceMaps === undefined ? false : check.boolean(opts.sourceMaps, 'sourceMaps');
  const maxSeconds =
    opts.maxSeconds === undefined ? 600 : check.integerInRange(opts.maxSeconds, 'maxSeconds', 1, 86_400);
  let waiting = 0;

  const snapshot = (name: ProfileName, gc: boolean): Snapshot => {
    if (!tracemalloc.isTracing()) {
      throw new HttpError(
        503,
        'not tracing: start tracing first (node -r node-tracemalloc/register, or tracemalloc.start())',
      );
    }
    if (name === 'allocs' && !tracemalloc.tracesCollected()) {
      throw new HttpError(
        501,
        'allocs: tracing keeps live objects only (V8 forgets a sample when its object is collected), so allocations are not available; ' +
          'start tracing with { allocated: true } (NODE_TRACEMALLOC_VIEW=allocated) to keep them, ' +
          'or use /debug/pprof/heap, or /debug/pprof/heap?seconds=N for the growth over N seconds',
      );
    }
    try {
      return tracemalloc.takeSnapshot({ gc, view: PROFILES[name].view, sourceMaps });
    } catch (error) {
      // The live view of tracing that keeps collected objects, before Node 26: say why.
      if (errorCode(error) === 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE')
        throw new HttpError(501, `${name}: ${(error as Error).message}`);
      throw error;
    }
  };

  const text = (name: ProfileName, profile: Snapshot, title: string): string => {
    const report: ReportOptions = { key: 'lineno', top: Infinity, cumulative: false, include: [], exclude: [] };
    return `${title}: ${PROFILES[name].what}\n${renderTop(profile, report, { source: `process ${process.pid}`, cwd: process.cwd(), color: false })}`;
  };

  const serve = (req: IncomingMessage, res: ServerResponse, name: ProfileName, query: URLSearchParams): void => {
    const gc = intParam(query, 'gc') > 0;
    const debug = intParam(query, 'debug');
    const secondsText = query.get('seconds');
    if (secondsText === null || secondsText === '') {
      const profile = snapshot(name, gc);
      if (debug !== 0) {
        send(res, req, { 'Content-Type': 'text/plain; charset=utf-8' }, text(name, profile, `${PREFIX}/${name}`));
      } else {
        const body = encodePprof(profile, { sampleTypes: PROFILES[name].sampleTypes });
        send(
          res,
          req,
          { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="${name}"` },
          body,
        );
      }
      return;
    }
    const seconds = /^\d+$/.test(secondsText) ? Number(secondsText) : 0;
    if (!(seconds > 0)) throw new HttpError(400, 'invalid value for "seconds" - must be a positive integer');
    if (seconds > maxSeconds) throw new HttpError(400, `"seconds" exceeds this server's limit of ${maxSeconds}`);
    if (debug !== 0) throw new HttpError(400, 'seconds and debug params are incompatible');
    if (waiting >= MAX_WAITING_DELTAS)
      throw new HttpError(503, `${MAX_WAITING_DELTAS} delta profiles already in progress: retry later`);
    const before = snapshot(name, gc);
    waiting++;
    // unref: a pending profile must not keep the program alive.
    const timer = setTimeout(() => {
      waiting--;
      res.removeListener('close', abandon);
      try {
        const after = snapshot(name, gc);
        const delta = snapshotDelta(before, after);
        const body = encodePprof(delta, {
          sampleTypes: PROFILES[name].sampleTypes,
          durationMs: Math.max(0, after.timestamp - before.timestamp),
        });
        send(
          res,
          req,
          { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="${name}-delta"` },
          body,
        );
      } catch (error) {
        answerError(res, error);
      }
    }, seconds * 1000).unref();
    const abandon = (): void => {
      clearTimeout(timer);
      waiting--;
    };
    res.once('close', abandon);
  };

  return (req, res, next) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const prefixed = url.pathname.startsWith(`${PREFIX}/`) || url.pathname === PREFIX;
      const name = (prefixed ? url.pathname.slice(PREFIX.length) : url.pathname)
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      // Without the prefix, only where the handler owns the paths: a server of
      // its own, or mounted under a path (express sets baseUrl); at an app's
      // root, `/` and `/heap` are the app's.
      const baseUrl = (req as { baseUrl?: unknown }).baseUrl;
      const mounted = typeof baseUrl === 'string' && baseUrl !== '';
      const ours = prefixed || ((next === undefined || mounted) && (name === '' || name in PROFILES));
      if (!ours) {
        if (next !== undefined) next();
        else sendError(res, 404, 'Unknown profile');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        throw new HttpError(405, `method ${String(req.method)} not allowed`);
      }
      if (name === '') {
        send(res, req, { 'Content-Type': 'text/html; charset=utf-8' }, INDEX);
      } else if (name in PROFILES) {
        serve(req, res, name as ProfileName, url.searchParams);
      } else {
        throw new HttpError(404, 'Unknown profile');
      }
    } catch (error) {
      answerError(res, error);
    }
  };
}

function answerError(res: ServerResponse, error: unknown): void {
  try {
    if (error instanceof HttpError) sendError(res, error.status, error.message);
    else if (errorCode(error) === 'ERR_TRACEMALLOC_NOT_TRACING') sendError(res, 503, (error as Error).message);
    else sendError(res, 500, `cannot take the profile: ${error instanceof Error ? error.message : String(error)}`);
  } catch {
    // The connection is gone: nothing left to answer.
  }
}
