// Frames of transpiled code (TypeScript, bundles) mapped back to their
// sources, over the ProfileTable: each frame row once, each script's map
// loaded once per call. Must run in the process that ran the code: it reads
// Node's source map cache and the scripts on disk. Nothing is cached across
// calls, so the tracer holds no parsed maps that later snapshots would show.
import { argError } from '../helpers/errors';
import * as fs from 'node:fs';
import { findSourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TraceMapping from '@jridgewell/trace-mapping';
import type { SourceMapSegment, TraceMap } from '@jridgewell/trace-mapping';
import { compiledScripts, type CompiledScript } from './compiled-scripts';
import { rewriteFrames } from './frame-rewrite';
import { Snapshot } from './snapshot';
import * as check from '../helpers/validate';

// Loaded on first use, not with the package: register loads the package
// under the sampler, and the map reader is needed only when a map is read.
let traceMapping: typeof TraceMapping | undefined;
function mapping(): typeof TraceMapping {
  traceMapping ??= require('@jridgewell/trace-mapping') as typeof TraceMapping;
  return traceMapping;
}

/** Line breaks as JS counts lines. */
const LINE_BREAK = /\r?\n|\r|\u2028|\u2029/;

/** Scripts and map files larger than this are not read. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** The last `//# sourceMappingURL=` (or `/*# ... *\/`, or the old `//@`) comment, as Node finds it. */
const MAPPING_URL = /\/[*/][#@]\s*sourceMappingURL=([^\s'"*]+)/g;

/**
 * A name from a mapping is the function's when the generated text from that
 * segment to the function's `(` is the name itself, optionally assigned
 * (`a(`, `a = (`, `a = async (`, `a: function (`), which is where a renamed
 * identifier's segment sits before V8's start position.
 */
const NAME_BEFORE_PARAMS =
  /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*\s*(?:[:=]\s*(?:async\s*)?(?:function\b\s*\*?\s*(?:[\p{ID_Start}$_][\p{ID_Continue}$]*)?\s*)?)?$/u;

/** Where a generated position comes from. */
interface Original {
  file: string;
  line: number;
  column: number;
  name: string | undefined;
}

function readSmallFile(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function toPath(name: string): string | undefined {
  if (name.startsWith('file://')) {
    try {
      return fileURLToPath(name);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(name) ? name : undefined;
}

/** The JSON of a `data:` URL (`data:application/json;base64,...` or percent-encoded). */
function dataUrlText(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    return /;base64$/i.test(meta) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  } catch {
    return undefined;
  }
}

/** A script's map, and its generated text when we read it. */
class ScriptMap {
  constructor(
    private readonly map: TraceMap,
    private readonly generated: string[] | undefined,
  ) {}

  /** The original of the function starting at 1-based `line`, `column` (V8 gives the `(` of its parameters). */
  lookup(line: number, column: number): Original | undefined {
    const col = column - 1;
    // The segment at or before the column (greatest lower bound: trace-mapping's default).
    const segment = mapping().traceSegment(this.map, line - 1, col);
    if (segment === null || segment.length === 1) return undefined;
    const source = this.map.resolvedSources[segment[1]];
    if (source === undefined || source === null) return undefined;
    const file = source.startsWith('file://') ? (toPath(source) ?? source) : source;
    return { file, line: segment[2] + 1, column: segment[3] + 1, name: this.nameBefore(segment, line, col) };
  }

  private nameBefore(found: Readonly<SourceMapSegment>, line: number, col: number): string | undefined {
    const text = this.generated?.[line - 1];
    // Text known but not this line (V8 would not give it): trust no name.
    if (this.generated !== undefined && text === undefined) return undefined;
    // Without the generated text only the segment found can be trusted; with
    // it, the three before it too (each the one before the last one's column).
    const before = text === undefined ? 0 : 3;
    let segment: Readonly<SourceMapSegment> | null = found;
    for (let i = 0; i <= before && segment !== null; i++) {
      if (segment.length === 5 && (text === undefined || NAME_BEFORE_PARAMS.test(text.slice(segment[0], col)))) {
        return this.map.names[segment[4]];
      }
      segment = segment[0] > 0 ? mapping().traceSegment(this.map, line - 1, segment[0] - 1) : null;
    }
    return undefined;
  }
}

/**
 * The map of one script: the one V8 compiled it with when given
 * (`compiled`, see compiled-scripts.ts: code transformed in memory, as
 * jest runs it), else Node's own (`module.findSourceMap`, filled when
 * `--enable-source-maps` or `process.setSourceMapsEnabled(true)` is on, and
 * the only one for code transpiled in memory by loaders such as tsx), else
 * the script's `sourceMappingURL` comment, inline or a file beside it.
 */
function loadScriptMap(scriptName: string, compiled?: CompiledScript): ScriptMap | undefined {
  const file = toPath(scriptName);
  if (compiled !== undefined && file !== undefined) {
    // What ran is not on disk: its own text checks the names.
    return mapAt(compiled.sourceMapUrl, file, compiled.source?.split(LINE_BREAK) ?? []);
  }
  const text = file === undefined ? undefined : readSmallFile(file);
  let url: string | undefined;
  for (const match of text?.matchAll(MAPPING_URL) ?? []) url = match[1];
  // A file with no mapping comment on disk is not the generated code (tsx
  // leaves the .ts source there): its lines cannot check names.
  const generated = url === undefined ? undefined : text?.split(LINE_BREAK);
  try {
    const cached = findSourceMap(scriptName);
    if (cached !== undefined) {
      const { file: name, names, sources, sourceRoot, sourcesContent, mappings } = cached.payload;
      const payload = { version: 3 as const, file: name, names, sources, sourceRoot, sourcesContent, mappings };
      return new ScriptMap(new (mapping().AnyMap)(payload, scriptName), generated);
    }
  } catch {
    // A malformed map Node kept: try the comment.
  }
  if (url === undefined || file === undefined) return undefined;
  return mapAt(url, file, generated);
}

/** The map a `sourceMappingURL` of `file` names: inline (`data:`) or a file relative to it. */
function mapAt(url: string, file: string, generated: string[] | undefined): ScriptMap | undefined {
  let json: string | undefined;
  let mapUrl = file;
  if (url.startsWith('data:')) {
    json = dataUrlText(url);
  } else {
    let target: URL;
    try {
      target = new URL(url, pathToFileURL(file));
    } catch {
      return undefined;
    }
    if (target.protocol !== 'file:') return undefined;
    mapUrl = fileURLToPath(target);
    json = readSmallFile(mapUrl);
  }
  if (json === undefined) return undefined;
  try {
    return new ScriptMap(
      new (mapping().AnyMap)(JSON.parse(json) as Parameters<typeof TraceMapping.AnyMap>[0], mapUrl),
      generated,
    );
  } catch {
    return undefined;
  }
}

/** Options of {@link applySourceMaps}. */
export interface SourceMapOptions {
  /** Also read the maps of the code V8 compiled, through the inspector (default `false`). */
  compiled?: boolean;
}

/** Script ids of the frames that could map (a script, a position, not Node's own). */
function mappableScripts(t: Snapshot['table']): Set<number> {
  const ids = new Set<number>();
  for (let row = 0; row < t.frameFile.length; row++) {
    const script = t.strings[t.frameFile[row]];
    if (t.frameLine[row] >= 1 && t.frameScriptId[row] > 0 && script !== '' && !script.startsWith('node:')) {
      ids.add(t.frameScriptId[row]);
    }
  }
  return ids;
}

/**
 * A snapshot whose frames in transpiled code (TypeScript, bundles) point at
 * the original file, line and function name, where a source map says; other
 * frames are unchanged. Returns `snapshot` itself when no frame maps.
 *
 * Maps come from Node's cache (`module.findSourceMap`: on with
 * `--enable-source-maps`, and for loaders that transpile in memory, as tsx)
 * or from each script's `//# sourceMappingURL=` comment (inline `data:` URLs
 * and map files). Call it in the process that ran the code, before dumping:
 * a dump stores what it is given. V8 records where a function **starts**
 * (its `(`), so the line is the original function's start line; the name is
 * the map's original name when it has one (minified bundles), else V8's.
 *
 * With `{ compiled: true }`, the maps of the code V8 compiled come first,
 * read through the inspector (see compiled-scripts.ts): for code transformed
 * in memory under its original name, as jest's transformers (babel-jest,
 * ts-jest) and require hooks run it. `takeSnapshot()` does this by itself
 * under jest.
 *
 * Cost: each distinct script is read once per call (and its map parsed), each
 * frame row looked up once; nothing is cached between calls. `compiled`
 * adds one enabling of the inspector's debugger (about 30 ms per thousand
 * scripts loaded).
 *
 * @example
 * import { takeSnapshot } from 'node-tracemalloc';
 * import { applySourceMaps } from 'node-tracemalloc/export';
 * const snapshot = applySourceMaps(takeSnapshot());
 * snapshot.dump('heap.ntm'); // frames name src/*.ts, not dist/*.js
 * @throws {TypeError} `snapshot` is not a Snapshot (`ERR_INVALID_ARG_TYPE`)
 */
export function applySourceMaps(snapshot: Snapshot, options?: SourceMapOptions): Snapshot {
  if (!(snapshot instanceof Snapshot)) {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected a Snapshot for snapshot');
  }
  const opts = check.options(options, 'options', ['compiled'] as const);
  const compiled = opts.compiled === undefined ? false : check.boolean(opts.compiled, 'compiled');
  const t = snapshot.table;
  const compiledById = compiled ? compiledScripts(mappableScripts(t)) : new Map<number, CompiledScript>();
  const maps = new Map<number, ScriptMap | undefined>();
  return rewriteFrames(snapshot, (row) => {
    const line = t.frameLine[row];
    const column = t.frameColumn[row];
    if (line < 1 || column < 1) return undefined;
    const fileIndex = t.frameFile[row];
    if (!maps.has(fileIndex)) {
      const script = t.strings[fileIndex];
      // Node's internals and pseudo frames have no maps worth reading.
      const skip = script === '' || script.startsWith('node:') || script.startsWith('(');
      maps.set(fileIndex, skip ? undefined : loadScriptMap(script, compiledById.get(t.frameScriptId[row])));
    }
    const original = maps.get(fileIndex)?.lookup(line, column);
    if (original === undefined) return undefined;
    const name = original.name === undefined || original.name === '' ? undefined : original.name;
    return { file: original.file, line: original.line, column: original.column, name };
  });
}
