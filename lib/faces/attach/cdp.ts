// The DevTools protocol over a WebSocket: numbered requests, their responses
// or errors, each with a deadline. Events are not needed here and ignored.
import { WebSocketClient } from './websocket';

/** An error answered by the inspector (`{ code, message }`), or a request that got no answer. */
export class ProtocolError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly code?: number,
  ) {
    super(`${method}: ${message}`);
    this.name = 'ProtocolError';
  }
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One inspector session. */
export class ProtocolSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ended: Error | undefined;

  private constructor(private readonly ws: WebSocketClient) {
    ws.onMessage((text) => this.receive(text));
    ws.onClose((reason) => {
      this.ended = reason ?? new Error('the inspector closed the connection');
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new ProtocolError(p.method, this.ended.message));
        this.pending.delete(id);
      }
    });
  }

  static async open(url: string, timeoutMs: number): Promise<ProtocolSession> {
    return new ProtocolSession(await WebSocketClient.connect(url, timeoutMs));
  }

  /**
   * Sends `method` and resolves with its result.
   * @throws {ProtocolError} the inspector's error, no answer within `timeoutMs`, or a closed connection
   */
  call<T>(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<T> {
    if (this.ended !== undefined) return Promise.reject(new ProtocolError(method, this.ended.message));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError(method, `no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (result: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Disconnects; resolves once the connection is closed (within about a second). */
  close(): Promise<void> {
    return this.ws.close();
  }

  private receive(text: string): void {
    let message: { id?: unknown; result?: unknown; error?: { code?: number; message?: string } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return; // not ours to understand
    }
    if (typeof message.id !== 'number') return; // an event
    const p = this.pending.get(message.id);
    if (p === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.error !== undefined)
      p.reject(new ProtocolError(p.method, message.error.message ?? 'error', message.error.code));
    else p.resolve(message.result);
  }
}
