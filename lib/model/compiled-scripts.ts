// What V8 compiled, when it is not the file on disk: jest's transformers
// (babel-jest, ts-jest) and require hooks run code transformed in memory,
// with an inline `//# sourceMappingURL=data:...` map, under the original
// file's name. The file on disk then has no map, and Node's map cache is
// empty (jest compiles with vm.Script). V8 itself knows each script's
// sourceMappingURL: the inspector reports it, by script id, for every script
// when its debugger is enabled. Enabled on a session of our own, read, and
// disabled again at once (other sessions, a debugger's, are not touched).
import * as inspector from 'node:inspector';

interface ScriptParsed {
  params: { scriptId: string; sourceMapURL?: string };
}

/** A script as V8 compiled it: its source map's URL and its source text. */
export interface CompiledScript {
  sourceMapUrl: string;
  /** The text that ran (undefined if V8 would not give it). */
  source: string | undefined;
}

// What V8 said of each script asked about (null: no map). A script id is
// never reused and a script never changes, so this holds for the process's
// life; it grows with the scripts frames were seen in, not with samples.
// (Its strings are allocated in this file: snapshots leave them out.)
const known = new Map<number, CompiledScript | null>();

/**
 * The scripts in `scriptIds` that V8 compiled with a `sourceMappingURL`,
 * with their text. For scripts not asked about before, costs one enabling of
 * the inspector's debugger (V8 then reports every script it has: about 30 ms
 * per thousand scripts), so it is for test runs, not production. Empty when
 * the inspector is unavailable.
 */
export function compiledScripts(scriptIds: ReadonlySet<number>): Map<number, CompiledScript> {
  const unknown = new Set([...scriptIds].filter((id) => !known.has(id)));
  if (unknown.size > 0) learn(unknown);
  const found = new Map<number, CompiledScript>();
  for (const id of scriptIds) {
    const script = known.get(id);
    if (script !== undefined && script !== null) found.set(id, script);
  }
  return found;
}

/** Asks the inspector about `scriptIds` and remembers the answers (none: null). */
function learn(scriptIds: ReadonlySet<number>): void {
  const urls = new Map<number, string>();
  let session: inspector.Session | undefined;
  try {
    session = new inspector.Session();
    session.connect();
    session.on('Debugger.scriptParsed', (message: ScriptParsed) => {
      const id = Number(message.params.scriptId);
      const url = message.params.sourceMapURL;
      if (url !== undefined && url !== '' && scriptIds.has(id)) urls.set(id, url);
    });
    // A session on this thread answers synchronously: every scriptParsed
    // event has arrived when post() returns.
    session.post('Debugger.enable', () => {});
    for (const [id, sourceMapUrl] of urls) {
      let source: string | undefined;
      session.post('Debugger.getScriptSource', { scriptId: String(id) }, (error, result) => {
        if (error === null && typeof result?.scriptSource === 'string') source = result.scriptSource;
      });
      known.set(id, { sourceMapUrl, source });
    }
    session.post('Debugger.disable', () => {});
    for (const id of scriptIds) if (!known.has(id)) known.set(id, null);
  } catch {
    // No inspector in this build of Node, or the debugger refused: no maps
    // (and nothing remembered: the next call asks again).
  } finally {
    try {
      session?.disconnect();
    } catch {
      // already disconnected
    }
  }
}

/**
 * True in a jest test (where modules are transformed in memory): jest sets
 * JEST_WORKER_ID in its workers (and with --runInBand), and its globals are
 * in the test's context. A child process inherits the variable but not the
 * globals.
 */
export function underJest(): boolean {
  const globals = globalThis as { expect?: unknown; jest?: unknown };
  return (
    process.env.JEST_WORKER_ID !== undefined &&
    (typeof globals.expect === 'function' || typeof globals.jest === 'object')
  );
}
