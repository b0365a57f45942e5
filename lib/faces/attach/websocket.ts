// A minimal WebSocket client (RFC 6455) over node:http's upgrade, enough to
// speak to Node's inspector: text messages, fragmented or not, ping/pong and
// close. One mechanism on every supported Node (Node 20 has no global
// WebSocket without a flag), and no dependency.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;
/** The largest message accepted: V8 cannot make a longer string anyway. */
const MAX_MESSAGE = 512 * 1024 * 1024;

/** Bytes received, read front to back without copying more than needed. */
class Received {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes, without consuming them (n ≤ length). */
  peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(this.length, Math.max(n, 0))).subarray(0, n);
  }

  /** Consumes and returns the first `n` bytes (n ≤ length), copying once. */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      this.chunks[0] = first.subarray(n);
      if (this.chunks[0].length === 0) this.chunks.shift();
      this.length -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.length -= n;
    return out;
  }
}

/** An open WebSocket connection, client side. */
export class WebSocketClient {
  private readonly received = new Received();
  private message: Buffer[] = [];
  private messageLength = 0;
  private closed = false;
  private readonly socketClosed: Promise<void>;
  private messageHandler: (text: string) => void = () => {};
  private closeHandler: (reason: Error | undefined) => void = () => {};

  private constructor(private readonly socket: Socket) {
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      try {
        this.parse();
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(undefined));
  }

  /**
   * Opens `url` (`ws://host:port/path`).
   * @throws {Error} the connection failed, the server refused the upgrade, or answered a wrong key
   */
  static connect(url: string, timeoutMs: number): Promise<WebSocketClient> {
    const target = new URL(url);
    if (target.protocol !== 'ws:') return Promise.reject(new Error(`not a ws: URL: ${url}`));
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: Number(target.port || 80),
        path: `${target.pathname}${target.search}`,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
        },
        timeout: timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        reject(new Error(`${url} refused the WebSocket upgrade: HTTP ${res.statusCode ?? 0}`));
      });
      req.on('upgrade', (res, socket, head) => {
        const expected = createHash('sha1')
          .update(key + GUID)
          .digest('base64');
        if (res.headers['sec-websocket-accept'] !== expected) {
          socket.destroy();
          reject(new Error(`${url} answered the WebSocket upgrade with a wrong key`));
          return;
        }
        socket.setNoDelay(true);
        socket.setTimeout(0);
        const client = new WebSocketClient(socket);
        if (head.length > 0) socket.unshift(head);
        resolve(client);
      });
      req.end();
    });
  }

  /** Called with each text message. */
  onMessage(handler: (text: string) => void): void {
    this.messageHandler = handler;
  }

  /** Called once when the connection ends: with the error, or undefined for a clean close. */
  onClose(handler: (reason: Error | undefined) => void): void {
    this.closeHandler = handler;
  }

  /** Sends a text message (masked, as a client must). */
  send(text: string): void {
    if (this.closed) throw new Error('the WebSocket connection is closed');
    this.frame(OP.TEXT, Buffer.from(text, 'utf8'));
  }

  /** Closes the connection (a close frame, then the socket); resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.closed) return this.socketClosed;
    try {
      this.frame(OP.CLOSE, Buffer.from([0x03, 0xe8])); // 1000: normal closure
    } catch {
      // the socket is already gone
    }
    this.closed = true;
    this.socket.end();
    // A server that never answers the close frame: drop the socket anyway.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.closeHandler(undefined);
    return this.socketClosed;
  }

  private frame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private parse(): void {
    for (;;) {
      if (this.received.length < 2) return;
      const head = this.received.peek(2);
      const fin = (head[0] & 0x80) !== 0;
      const opcode = head[0] & 0x0f;
      const masked = (head[1] & 0x80) !== 0;
      let length = head[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.received.length < 4) return;
        length = this.received.peek(4).readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.received.length < 10) return;
        const big = this.received.peek(10).readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE))
          throw new Error(`a WebSocket frame of ${big} bytes is larger than the ${MAX_MESSAGE} accepted`);
        length = Number(big);
        offset = 10;
      }
      const maskLength = masked ? 4 : 0;
      if (this.received.length < offset + maskLength + length) return;
      this.received.take(offset);
      const mask = masked ? this.received.take(maskLength) : undefined;
      const payload = this.received.take(length);
      if (mask !== undefined) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.handle(fin, opcode, payload);
    }
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP.PING:
        this.frame(OP.PONG, payload);
        return;
      case OP.PONG:
        return;
      case OP.CLOSE:
        void this.close();
        return;
      case OP.TEXT:
      case OP.BINARY:
      case OP.CONTINUATION: {
        this.messageLength += payload.length;
        if (this.messageLength > MAX_MESSAGE)
          throw new Error(`a WebSocket message larger than the ${MAX_MESSAGE} bytes accepted`);
        this.message.push(payload);
        if (!fin) return;
        const text = Buffer.concat(this.message, this.messageLength).toString('utf8');
        this.message = [];
        this.messageLength = 0;
        this.messageHandler(text);
        return;
      }
      default:
        throw new Error(`unknown WebSocket opcode ${opcode}`);
    }
  }

  private fail(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.closeHandler(reason);
  }
}
