// Listen addresses of the pprof listener: Go's `host:port` forms, and which
// of them only this machine can reach. Pure, loaded by register without http.
import { argError } from '../../helpers/errors';
import { BlockList, isIP } from 'node:net';

function valueError(message: string): TypeError {
  return argError('ERR_INVALID_ARG_VALUE', message);
}

/**
 * `host:port`, `[v6]:port`, `:port` (every interface, as in Go) or a bare
 * port (loopback) into a host and a port.
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for anything else
 */
export function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^\s*(?:(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):)?(\d{1,5})\s*$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 0 && port <= 65535)) {
    throw valueError(
      `invalid address ${JSON.stringify(text)} (expected host:port, such as 127.0.0.1:6060 or [::1]:6060)`,
    );
  }
  const host = match[1] === undefined ? '127.0.0.1' : match[1].replace(/^\[|\]$/g, '');
  return { host: host === '' ? '::' : host, port };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1 (in any spelling, IPv4-mapped too), `localhost`. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
