// pprofHandler(): Go's net/http/pprof routes for the JS heap, served by a
// real node:http server in this process and read back with pprof-format
// (go tool pprof itself reads them in pprof-listener.test.ts).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { pprofHandler, type PprofHandler } from '../lib/faces/http/pprof-handler';
import * as tm from '../lib/tracer/tracemalloc';
import { stopTracingAfterEach, totalsFor } from './helpers/tracing';

stopTracingAfterEach();

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A server of its own for `handler` (or any listener); closed after the test. */
async function serve(
  listener: http.RequestListener,
): Promise<{ get: (path: string, method?: string) => Promise<Reply> }> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  const get = (path: string, method = 'GET'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  return { get };
}
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Per function (most recent frame): summed [objects, bytes], and the profile's sample type names. */
function decode(body: Buffer): {
  types: string[][];
  defaultType: string;
  durationNanos: number;
  byFunction: Map<string, [number, number]>;
} {
  const profile = Profile.decode(gunzipSync(body));
  const str = (i: number | bigint): string => profile.stringTable.strings[Number(i)];
  const fn = new Map(profile.function.map((f) => [Number(f.id), str(f.name)]));
  const loc = new Map(profile.location.map((l) => [Number(l.id), fn.get(Number(l.line[0].functionId)) ?? '']));
  const byFunction = new Map<string, [number, number]>();
  for (const s of profile.sample) {
    const name = loc.get(Number(s.locationId[0])) ?? '';
    const sum = byFunction.get(name) ?? [0, 0];
    // int64 on the wire; pprof-format decodes a negative one as unsigned.
    sum[0] += Number(BigInt.asIntN(64, BigInt(s.value[0])));
    sum[1] += Number(BigInt.asIntN(64, BigInt(s.value[1])));
    byFunction.set(name, sum);
  }
  return {
    types: profile.sampleType.map((t) => [str(t.type), str(t.unit)]),
    defaultType: str(profile.defaultSampleType),
    durationNanos: Number(profile.durationNanos),
    byFunction,
  };
}

const kept: unknown[] = [];
afterEach(() => {
  kept.length = 0;
});

function retainedForHeapTest(n: number): void {
  // Sized up front: no backing store left behind as garbage, which a later GC could take.
  const list = new Array<unknown>(n);
  for (let i = 0; i < n; i++) list[i] = { heap: i };
  kept.push(list);
}
function grownDuringWindow(n: number): void {
  for (let i = 0; i < n; i++) kept.push({ grown: i });
}
function freedDuringWindow(n: number): unknown[] {
  const list: unknown[] = [];
  for (let i = 0; i < n; i++) list.push({ freed: i });
  return list;
}
function garbageForAllocs(n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += Object.keys({ garbage: i }).length;
  return total;
}

describe('/debug/pprof/heap', () => {
  let handler: PprofHandler;
  beforeEach(() => {
    handler = pprofHandler();
  });

  test('serves the live objects as Go names them: inuse_objects and inuse_space, exact counts at interval 1', async () => {
    // Called once untraced: V8's own objects for the function (feedback), which later GCs may flush, predate tracing.
    retainedForHeapTest(1);
    kept.length = 0;
    tm.start(4);
    retainedForHeapTest(1000);
    const expected = totalsFor(tm.takeSnapshot({ gc: true }), 'retainedForHeapTest');
    const { get } = await serve(handler);
    const reply = await get('/debug/pprof/heap?gc=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['content-disposition']).toBe('attachment; filename="heap"');
    const profile = decode(reply.body);
    expect(profile.types).toEqual([
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ]);
    expect(profile.defaultType).toBe('inuse_space');
    // Exact: the objects the function keeps (1000 objects, their array and its store), as a snapshot counts them.
    expect(profile.byFunction.get('retainedForHeapTest')).toEqual([expected.count, expected.size]);
    expect(expected.count).toBeGreaterThanOrEqual(1000);
  });

  test('?debug=1 answers the text report', async () => {
    tm.start(1);
    retainedForHeapTest(500);
    const { get } = await serve(handler);
    const reply = await get('/debug/pprof/heap?debug=1&gc=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    const text = reply.body.toString('utf8');
    expect(text).toMatch(
      /^\/debug\/pprof\/heap: live objects \(inuse\)\nTop \d+ of \d+ lines by size — process \d+\nexact: every allocation recorded/,
    );
    expect(text).toMatch(/pprof-handler\.test\.ts:\d+\s+retainedForHeapTest\n/);
  });

  test('?seconds=N answers the change over N seconds: growth positive, what was freed negative, the rest absent', async () => {
    tm.start(1);
    let before: unknown[] | undefined = freedDuringWindow(300);
    retainedForHeapTest(200);
    const { get } = await serve(handler);
    const pending = get('/debug/pprof/heap?seconds=1&gc=1');
    // Inside the window (the first snapshot is taken before the request is answered).
    await new Promise((resolve) => setTimeout(resolve, 300));
    grownDuringWindow(400);
    before = undefined;
    const reply = await pending;
    expect(before).toBeUndefined();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe('attachment; filename="heap-delta"');
    const profile = decode(reply.body);
    expect(profile.durationNanos).toBeGreaterThanOrEqual(1e9);
    const grown = profile.byFunction.get('grownDuringWindow');
    const freed = profile.byFunction.get('freedDuringWindow');
    expect(grown?.[0]).toBeGreaterThanOrEqual(400);
    // The array holding them was freed with them.
    expect(freed?.[0]).toBeLessThanOrEqual(-300);
    expect(profile.byFunction.has('retainedForHeapTest')).toBe(false);
  });

  test.each([
    ['/debug/pprof/heap?seconds=abc', 400, 'invalid value for "seconds" - must be a positive integer'],
    ['/debug/pprof/heap?seconds=0', 400, 'invalid value for "seconds" - must be a positive integer'],
    ['/debug/pprof/heap?seconds=601', 400, '"seconds" exceeds this server\'s limit of 600'],
    ['/debug/pprof/heap?seconds=1&debug=1', 400, 'seconds and debug params are incompatible'],
    ['/debug/pprof/goroutine', 404, 'Unknown profile'],
    ['/elsewhere', 404, 'Unknown profile'],
  ])('%s: %d, in plain text go tool pprof shows', async (path, status, message) => {
    tm.start(1);
    const { get } = await serve(handler);
    const reply = await get(path);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.headers['x-go-pprof']).toBe('1');
    expect(reply.body.toString('utf8')).toBe(`${message}\n`);
  });

  test('only GET and HEAD', async () => {
    tm.start(1);
    const { get } = await serve(handler);
    const post = await get('/debug/pprof/heap', 'POST');
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    const head = await get('/debug/pprof/heap', 'HEAD');
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  test('not tracing: 503, saying how to start', async () => {
    const { get } = await serve(handler);
    const reply = await get('/debug/pprof/heap');
    expect(reply.status).toBe(503);
    expect(reply.body.toString('utf8')).toMatch(/^not tracing: start tracing first/);
  });

  test('an index at /debug/pprof/', async () => {
    const { get } = await serve(handler);
    const reply = await get('/debug/pprof/');
    expect(reply.status).toBe(200);
    expect(reply.body.toString('utf8')).toContain('<a href="heap?debug=1">heap</a>');
  });
});

describe('/debug/pprof/allocs', () => {
  test('tracing live objects only: 501, saying why and what to use', async () => {
    tm.start(1);
    const { get } = await serve(pprofHandler());
    const reply = await get('/debug/pprof/allocs');
    expect(reply.status).toBe(501);
    expect(reply.body.toString('utf8')).toMatch(/^allocs: tracing keeps live objects only .* use \/debug\/pprof\/heap/);
  });

  test('tracing that keeps collected objects: alloc_objects and alloc_space, garbage included; heap only where V8 marks live samples (Node 26)', async () => {
    // measure()'s mode: samples outlive their objects.
    tm.startNative(1, 1, true);
    garbageForAllocs(700);
    const { get } = await serve(pprofHandler());
    const reply = await get('/debug/pprof/allocs?gc=1');
    expect(reply.status).toBe(200);
    const profile = decode(reply.body);
    expect(profile.types).toEqual([
      ['alloc_objects', 'count'],
      ['alloc_space', 'bytes'],
    ]);
    expect(profile.byFunction.get('garbageForAllocs')?.[0]).toBeGreaterThanOrEqual(700);
    // The live view of such tracing (lib/model/views.ts): from Node 26 V8 says which samples are live.
    const heap = await get('/debug/pprof/heap');
    if (Number.parseInt(process.versions.node, 10) >= 26) {
      expect(heap.status).toBe(200);
    } else {
      expect(heap.status).toBe(501);
      expect(heap.body.toString('utf8')).toMatch(
        /^heap: tracing keeps collected objects .* only the allocated view is available/,
      );
    }
  });
});

describe('mounted in another server', () => {
  test('beside an app: /debug/pprof/* is served, other paths go to next()', async () => {
    tm.start(1);
    const handler = pprofHandler();
    const { get } = await serve((req, res) => handler(req, res, () => res.end('the app')));
    expect((await get('/')).body.toString()).toBe('the app');
    expect((await get('/heap')).body.toString()).toBe('the app');
    expect((await get('/debug/pprof/heap')).status).toBe(200);
    expect((await get('/debug/pprof/heap?debug=1')).body.toString()).toMatch(/^\/debug\/pprof\/heap: live objects/);
  });

  test('under a mount path (express: app.use("/debug/pprof", handler) strips it and sets baseUrl)', async () => {
    tm.start(1);
    const handler = pprofHandler();
    const { get } = await serve((req, res) => {
      const mount = '/debug/pprof';
      if (req.url?.startsWith(`${mount}/`) === true) {
        Object.assign(req, { baseUrl: mount, url: req.url.slice(mount.length) });
        handler(req, res, () => res.end('next'));
      } else res.end('the app');
    });
    expect((await get('/debug/pprof/heap')).headers['content-disposition']).toBe('attachment; filename="heap"');
    expect((await get('/debug/pprof/')).body.toString()).toContain('/debug/pprof/');
    expect((await get('/debug/pprof/other')).body.toString()).toBe('next');
  });
});

describe('options', () => {
  test('are checked', () => {
    expect(() => pprofHandler({ maxSeconds: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => pprofHandler({ sourceMaps: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => pprofHandler({ bogus: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });
});
