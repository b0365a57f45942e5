// What zero-code activation starts besides tracing and dumps, each from its
// own variable: the pprof listener (NODE_TRACEMALLOC_HTTP) and the leak watch
// (NODE_TRACEMALLOC_WATCH_LEAKS). lib/register.ts calls startExtras() once.
// Their modules are loaded only when asked for: register runs under the
// sampler, before the program, in every process that preloads it.
import { parseDuration, SettingError } from './activation';
import { isLoopback, parseListenAddress } from './http/address';

/** The variables read here. */
export const EXTRA_ENV = {
  HTTP: 'NODE_TRACEMALLOC_HTTP',
  HTTP_ALLOW_REMOTE: 'NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE',
  WATCH_LEAKS: 'NODE_TRACEMALLOC_WATCH_LEAKS',
  WATCH_LEAKS_WINDOW: 'NODE_TRACEMALLOC_WATCH_LEAKS_WINDOW',
} as const;

export interface ExtraSettings {
  /** Where to serve /debug/pprof/, as given; undefined for nowhere. */
  http: string | undefined;
  allowRemote: boolean;
  /** Milliseconds between the leak watch's snapshots; 0 for no watch. */
  watchEvery: number;
  watchWindow: number | undefined;
}

/** The leak watch's window from text: an integer ≥ 4 (snapshots). */
export function parseLeakWindow(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 4 && n <= 10_000)) throw new SettingError(`invalid window: ${JSON.stringify(text)} (expected 4 to 10000 snapshots)`);
  return n;
}

function named<T>(env: NodeJS.ProcessEnv, name: string, parse: (text: string) => T): T | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  try {
    return parse(text);
  } catch (error) {
    throw new SettingError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads the extras' variables.
 * @throws {SettingError} a malformed value, a non-loopback address without NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE=1, a window below 4
 */
export function readExtras(env: NodeJS.ProcessEnv): ExtraSettings {
  const allowRemote = named(env, EXTRA_ENV.HTTP_ALLOW_REMOTE, (text) => {
    if (!/^(0|1)$/.test(text.trim())) throw new SettingError(`invalid value: ${JSON.stringify(text)} (expected 1 or 0)`);
    return text.trim() === '1';
  });
  const http = named(env, EXTRA_ENV.HTTP, (text) => {
    const { host } = parseListenAddress(text);
    if (allowRemote !== true && !isLoopback(host)) {
      throw new SettingError(
        `refusing to serve heap profiles on ${JSON.stringify(text)}: not a loopback address, so other machines could read them ` +
          `(set ${EXTRA_ENV.HTTP_ALLOW_REMOTE}=1 to allow it, behind a firewall or an authenticating proxy)`,
      );
    }
    return text;
  });
  const watchEvery = named(env, EXTRA_ENV.WATCH_LEAKS, parseDuration) ?? 0;
  const watchWindow = named(env, EXTRA_ENV.WATCH_LEAKS_WINDOW, parseLeakWindow);
  return { http, allowRemote: allowRemote === true, watchEvery, watchWindow };
}

/**
 * Starts what the variables ask for, while tracing. An invalid value stops
 * the process as register's own settings do; a listener that cannot listen
 * (port taken) is reported and the program goes on.
 */
export function startExtras(env: NodeJS.ProcessEnv, options: { sourceMaps: boolean; say: (message: string) => void }): void {
  const { say, sourceMaps } = options;
  let extras: ExtraSettings;
  try {
    extras = readExtras(env);
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    say(error.message);
    process.exit(1);
  }
  const { http, allowRemote, watchEvery, watchWindow } = extras;
  if (http !== undefined) {
    const { listenPprof } = require('./http/pprof-listener') as typeof import('./http/pprof-listener');
    listenPprof(http, { allowRemote, sourceMaps }).then(
      (listener) => say(`pprof endpoint on ${listener.url} (go tool pprof ${listener.url}heap)`),
      (error: unknown) => say(`cannot serve pprof on ${http}: ${error instanceof Error ? error.message : String(error)}; the program goes on without it`),
    );
  }
  if (watchEvery > 0) {
    const { watchLeaks, formatLeak } = require('./leak-watch') as typeof import('./leak-watch');
    watchLeaks({ every: watchEvery, window: watchWindow, sourceMaps, onLeak: (report) => say(formatLeak(report)) });
  }
}
