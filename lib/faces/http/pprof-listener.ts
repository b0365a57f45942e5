// The opt-in pprof listener: a node:http server of its own serving
// pprofHandler() on a loopback address, as Go programs serve net/http/pprof
// on localhost:6060. It never keeps the program alive and never takes it
// down: listen errors are reported, request errors answered.
import { argError } from '../../helpers/errors';
import * as http from 'node:http';
import { isIP } from 'node:net';
import { isLoopback, parseListenAddress } from './address';
import { pprofHandler, type PprofHandlerOptions } from './pprof-handler';
import * as check from '../../helpers/validate';

/** Options of {@link listenPprof}. */
export interface PprofListenerOptions extends PprofHandlerOptions {
  /**
   * Allow an address that is not loopback (default false). Anyone who can
   * reach the port then reads the program's allocation sites (file paths,
   * function names): put it behind a firewall or an authenticating proxy.
   */
  allowRemote?: boolean;
}

/** A running listener. */
export interface PprofListener {
  /** `http://127.0.0.1:6060/debug/pprof/`, with the port actually bound. */
  readonly url: string;
  /** The address listened on. */
  readonly host: string;
  /** The port actually bound (the one asked, or the one chosen for 0). */
  readonly port: number;
  /** Stops listening; open connections are closed. */
  close(): Promise<void>;
}

/**
 * Serves {@link pprofHandler} on `address` (`127.0.0.1:6060`; port 0 picks a
 * free one). Refuses an address that is not loopback unless `allowRemote`.
 * The server and its connections are unref'd: the program exits as if it
 * were not there.
 *
 * @example
 * const listener = await listenPprof('127.0.0.1:6060');
 * console.log(`go tool pprof ${listener.url}heap`);
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` a malformed address, or one that is not loopback without `allowRemote`
 * @throws {Error} the listen error (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`), rejected
 */
export async function listenPprof(address: string, options?: PprofListenerOptions): Promise<PprofListener> {
  if (typeof address !== 'string') {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected a string such as "127.0.0.1:6060" for address');
  }
  const opts = check.options(options, 'options', ['allowRemote', 'sourceMaps', 'maxSeconds'] as const);
  const allowRemote = opts.allowRemote === undefined ? false : check.boolean(opts.allowRemote, 'allowRemote');
  const { host, port } = parseListenAddress(address);
  if (!allowRemote && !isLoopback(host)) {
    throw argError(
      'ERR_INVALID_ARG_VALUE',
      `refusing to serve heap profiles on ${JSON.stringify(address)}: not a loopback address, so other machines could read them ` +
        '(allow it explicitly: allowRemote, or NODE_TRACEMALLOC_HTTP_ALLOW_REMOTE=1)',
    );
  }
  const handler = pprofHandler({
    sourceMaps: opts.sourceMaps as boolean | undefined,
    maxSeconds: opts.maxSeconds as number | undefined,
  });
  const server = http.createServer((req, res) => handler(req, res));
  // A scraper's keep-alive connection must not keep the program alive either.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // After listening, an error (EMFILE on accept, ...) must not become an uncaught exception.
  server.on('error', () => {});
  server.unref();
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  const shownHost = isIP(host) === 6 ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}/debug/pprof/`,
    host,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
