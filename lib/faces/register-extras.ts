// What zero-code activation starts besides tracing and dumps, each from its
// own variable: the pprof listener (NODE_TRACEMALLOC_HTTP) and the leak watch
// (NODE_TRACEMALLOC_WATCH_LEAKS). lib/register.ts reads them with its own
// settings (a bad value is a bad setting: NODE_TRACEMALLOC_ON_ERROR decides)
// and calls startExtras() once tracing runs. Their modules are loaded only
// when asked for: register runs under the sampler, before the program, in
// every process that preloads it.
import { parseDuration, setting, SettingError } from './activation';
import { escapeControlChars } from '../helpers/control-chars';
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
  if (!(n >= 4 && n <= 10_000))
    throw new SettingError(`invalid window: ${JSON.stringify(text)} (expected 4 to 10000 snapshots)`);
  return n;
}

// Strictly 1 or 0, not parseSwitch's yes/on: it exposes the program's heap to the network.
function parseAllowRemote(text: string): boolean {
  if (!/^(0|1)$/.test(text.trim())) throw new SettingError(`invalid value: ${JSON.stringify(text)} (expected 1 or 0)`);
  return text.trim() === '1';
}

function addressError(error: unknown): never {
  throw new SettingError(error instanceof Error ? error.message : String(error));
}

/**
 * Reads the extras' variables.
 * @throws {SettingError} a malformed value, a non-loopback address without NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE=1, a window below 4
 */
export function readExtras(env: NodeJS.ProcessEnv): ExtraSettings {
  const allowRemote = setting(env, EXTRA_ENV.HTTP_ALLOW_REMOTE, parseAllowRemote, false);
  const http = setting<string | undefined>(
    env,
    EXTRA_ENV.HTTP,
    (text) => {
      let host: string;
      try {
        host = parseListenAddress(text).host;
      } catch (error) {
        addressError(error);
      }
      if (!allowRemote && !isLoopback(host)) {
        throw new SettingError(
          `refusing to serve heap profiles on ${JSON.stringify(text)}: not a loopback address, so other machines could read them ` +
            `(set ${EXTRA_ENV.HTTP_ALLOW_REMOTE}=1 to allow it, behind a firewall or an authenticating proxy)`,
        );
      }
      return text;
    },
    undefined,
  );
  const watchEvery = setting(env, EXTRA_ENV.WATCH_LEAKS, parseDuration, 0);
  const watchWindow = setting<number | undefined>(env, EXTRA_ENV.WATCH_LEAKS_WINDOW, parseLeakWindow, undefined);
  return { http, allowRemote, watchEvery, watchWindow };
}

/**
 * Starts what the settings ask for, while tracing. A listener that cannot
 * listen (port taken) is reported and the program goes on.
 */
export function startExtras(
  extras: ExtraSettings,
  options: { sourceMaps: boolean; say: (message: string) => void },
): void {
  const { say, sourceMaps } = options;
  const { http, allowRemote, watchEvery, watchWindow } = extras;
  if (http !== undefined) {
    const { listenPprof } = require('./http/pprof-listener') as typeof import('./http/pprof-listener');
    listenPprof(http, { allowRemote, sourceMaps }).then(
      (listener) => say(`pprof endpoint on ${listener.url} (go tool pprof ${listener.url}heap)`),
      (error: unknown) =>
        say(
          `cannot serve pprof on ${escapeControlChars(http)}: ${error instanceof Error ? error.message : String(error)}; the program goes on without it`,
        ),
    );
  }
  if (watchEvery > 0) {
    const { watchLeaks, formatLeak } = require('./leak-watch') as typeof import('./leak-watch');
    watchLeaks({ every: watchEvery, window: watchWindow, sourceMaps, onLeak: (report) => say(formatLeak(report)) });
  }
}
