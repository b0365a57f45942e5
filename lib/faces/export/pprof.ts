// pprof's profile.proto (gzipped), in the heap-profile shape pprof-nodejs
// (@datadog/pprof) writes, so pprof tools read it as they read a Node heap
// profile. Encoded by pprof-format, the encoder @datadog/pprof itself uses.
import { argError } from '../../helpers/errors';
import { gzipSync } from 'node:zlib';
import type * as PprofFormat from 'pprof-format';
import { UNKNOWN_FILENAME } from '../../model/frame';
import type { Snapshot } from '../../model/snapshot';
import type { ProfileTable } from '../../model/table';
import { stackDepths } from '../../model/stack-walk';
import { count, MAX_PPROF_FRAMES, outputTooLarge, PER_TRACE_ADVICE } from './output-limit';
import { NO_STACK_LABEL } from './label';
import { groupByStack, snapshotArgument, TotalKeepingRounder } from './tree';
import * as check from '../../helpers/validate';

/** Options of {@link encodePprof}. */
export interface PprofOptions {
  /**
   * Names of the two sample types, objects then bytes: `['objects', 'space']`
   * (default, as @datadog/pprof names them), or Go's `['inuse_objects',
   * 'inuse_space']` (live memory) and `['alloc_objects', 'alloc_space']`
   * (allocated), the names continuous profilers (Parca, Pyroscope) give Go's
   * heap profiles. The bytes type is the default one.
   */
  sampleTypes?: readonly [objects: string, space: string];
  /** What the profile covers, in milliseconds: a delta profile's window (pprof's `duration_nanos`). */
  durationMs?: number;
}

/**
 * Encodes a snapshot as a gzipped pprof profile (`profile.proto`): the file
 * `go tool pprof` reads, as do the profiling services that take pprof.
 *
 * The shape is pprof's heap-profile convention, as `@datadog/pprof` heap
 * profiles have it:
 * - sample types `objects`/`count` then `space`/`bytes` (the default, so
 *   `go tool pprof` shows bytes unless told `-sample_index=objects`);
 * - period type `space`/`bytes`, period = the sampling interval in bytes (1
 *   when exact);
 * - one sample per (stack, domain), with a string label `domain` (the
 *   thread id: `"0"` for the main thread; a string because pprof drops a
 *   numeric label of 0), so `go tool pprof -tagfocus='domain=^3$'` shows one
 *   thread;
 * - one location per frame, one function per (name, file, start line).
 *
 * **Lines are functions' start lines**: V8's sampler records no other, so
 * both `Function.start_line` and `Line.line` hold the line where the function
 * begins (`Line.column` its start column, when known).
 *
 * **Values are integers** in pprof, and a sampled snapshot's sizes and counts
 * are fractional estimates: they are rounded keeping the totals, each value
 * within 1 of its estimate and each total within 0.5 of the snapshot's
 * `totalSize`/`totalCount`. A trace with no frames gets the one frame
 * `(no stack)`.
 *
 * @example
 * fs.writeFileSync('heap.pb.gz', encodePprof(tracemalloc.takeSnapshot()));
 * // go tool pprof -top heap.pb.gz
 * A sample lists its frames in full, so deep stacks, many of them, make a
 * large profile: past 16.8 million frames in all (`MAX_PPROF_FRAMES`, about
 * 350 MB while encoding) it is refused, before anything is built.
 *
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 * @throws {TracemallocError} `ERR_TRACEMALLOC_OUTPUT_TOO_LARGE` past that limit
 */
export function encodePprof(snapshot: Snapshot, options?: PprofOptions): Buffer {
  const opts = check.options(options, 'options', ['sampleTypes', 'durationMs'] as const);
  const names = opts.sampleTypes ?? ['objects', 'space'];
  if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string' && n !== '')) {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected two non-empty strings for sampleTypes');
  }
  const durationMs =
    opts.durationMs === undefined ? 0 : check.integerInRange(opts.durationMs, 'durationMs', 0, Number.MAX_SAFE_INTEGER);
  return gzipSync(buildProfile(snapshotArgument(snapshot), names as [string, string], durationMs).encode());
}

/** Refuses, before building anything, a profile that would list more than {@link MAX_PPROF_FRAMES} frames. */
function checkPprofFrames(t: ProfileTable, groupStacks: readonly number[]): void {
  const depth = stackDepths(t.stackParent);
  let frames = 0;
  for (const stack of groupStacks) frames += stack >= 0 ? depth[stack] : 1;
  if (frames > MAX_PPROF_FRAMES) {
    const what = `${count(groupStacks.length)} samples listing ${count(frames)} frames in all, more than the ${count(MAX_PPROF_FRAMES)} a pprof export may hold`;
    throw outputTooLarge('pprof export', what, PER_TRACE_ADVICE);
  }
}

// Loaded on first use, not with the package: `node -r node-tracemalloc/register`
// loads the package under the sampler, and loading pprof-format there would
// show up in the program's own traces (and cost every program startup time).
let pprofFormat: typeof PprofFormat | undefined;

function buildProfile(
  snapshot: Snapshot,
  [objectsName, spaceName]: [string, string],
  durationMs: number,
): PprofFormat.Profile {
  pprofFormat ??= require('pprof-format') as typeof PprofFormat;
  const { Function: PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } = pprofFormat;
  const t = snapshot.table;
  const strings = new StringTable();
  const objects = new ValueType({ type: strings.dedup(objectsName), unit: strings.dedup('count') });
  const space = new ValueType({ type: strings.dedup(spaceName), unit: strings.dedup('bytes') });
  const period = new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') });
  const domainKey = strings.dedup('domain');

  const functions: PprofFormat.Function[] = [];
  const functionIds = new Map<string, number>();
  const functionId = (name: string, filename: string, startLine: number): number => {
    const key = JSON.stringify([name, filename, startLine]);
    let id = functionIds.get(key);
    if (id === undefined) {
      id = functions.length + 1; // pprof ids start at 1: 0 means "none"
      functionIds.set(key, id);
      const nameId = strings.dedup(name);
      functions.push(
        new PprofFunction({ id, name: nameId, systemName: nameId, filename: strings.dedup(filename), startLine }),
      );
    }
    return id;
  };

  const locations: PprofFormat.Location[] = [];
  const locationOfFrame = new Int32Array(t.frameName.length);
  const locationId = (row: number): number => {
    if (locationOfFrame[row] === 0) {
      const frame = snapshot.frame(row);
      const line = new Line({
        functionId: functionId(frame.functionName || '(anonymous)', frame.filename, frame.lineno),
        line: frame.lineno,
        column: frame.column,
      });
      locationOfFrame[row] = locations.length + 1;
      locations.push(new Location({ id: locations.length + 1, line: [line] }));
    }
    return locationOfFrame[row];
  };
  let noStackLocation = 0;
  const noStackLocationId = (): number => {
    if (noStackLocation === 0) {
      const line = new Line({ functionId: functionId(NO_STACK_LABEL, UNKNOWN_FILENAME, 0), line: 0 });
      noStackLocation = locations.length + 1;
      locations.push(new Location({ id: noStackLocation, line: [line] }));
    }
    return noStackLocation;
  };

  const groups = groupByStack(snapshot);
  checkPprofFrames(t, groups.stack);
  const sizes = new TotalKeepingRounder();
  const counts = new TotalKeepingRounder();
  const samples: PprofFormat.Sample[] = [];
  for (let g = 0; g < groups.stack.length; g++) {
    // pprof's location_id lists the leaf first, as our stack rows run.
    const locationIds: number[] = [];
    for (let s = groups.stack[g]; s >= 0; s = t.stackParent[s]) locationIds.push(locationId(t.stackFrame[s]));
    if (locationIds.length === 0) locationIds.push(noStackLocationId());
    samples.push(
      new Sample({
        locationId: locationIds,
        value: [counts.next(groups.count[g]), sizes.next(groups.size[g])],
        label: [new Label({ key: domainKey, str: strings.dedup(String(groups.domain[g])) })],
      }),
    );
  }

  const comment = snapshot.exact
    ? 'node-tracemalloc: exact (every allocation recorded)'
    : `node-tracemalloc: estimated from V8 samples (interval ${snapshot.interval} bytes), rounded to integers`;
  return new Profile({
    sampleType: [objects, space],
    sample: samples,
    location: locations,
    function: functions,
    periodType: period,
    period: snapshot.interval,
    // Milliseconds to nanoseconds as a bigint: the product passes 2^53.
    timeNanos: BigInt(Math.round(snapshot.timestamp)) * 1_000_000n,
    durationNanos: BigInt(durationMs) * 1_000_000n,
    comment: [strings.dedup(comment), strings.dedup(`traceback limit: ${snapshot.tracebackLimit} frames`)],
    defaultSampleType: space.type,
    stringTable: strings,
  });
}
