import net from 'node:net';
import type { Duplex } from 'node:stream';
import { TimeoutError } from '../errors.ts';
import { asDeadline, waitUntil, withDeadline, type DeadlineLike } from '../wait/index.ts';
import { QmpClosedError, QmpCommandError, QmpProtocolError } from './qmp-errors.ts';

export { QmpClosedError, QmpCommandError, QmpProtocolError } from './qmp-errors.ts';

/** An asynchronous QMP event (`SHUTDOWN`, `STOP`, `DEVICE_DELETED`…). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/**
 * Where QMP is: a unix socket path on this machine, or an already-open duplex stream (for an
 * SshHost, a unix socket forwarded with ssh2's openssh_forwardOutStreamLocal).
 */
export type QmpTarget = { path: string } | { stream: Duplex; label: string };

export interface QmpConnectOptions {
  /** Until then, a missing or refused socket is retried (QEMU creates it a little after it starts). Default 10 s. */
  deadlineMs?: DeadlineLike;
  /** Per-command deadline used when `execute` is given none. Default 30 s. */
  commandDeadlineMs?: number;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  name: string;
  resolve: (event: QmpEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A QMP client: newline-delimited JSON over a stream, commands matched to answers by id. */
export class QmpClient {
  /** Every event received, in order. */
  readonly events: QmpEvent[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly eventWaiters = new Set<EventWaiter>();
  private buffer = '';
  private nextId = 1;
  private closed = false;
  private greetingWaiter?: { resolve: (g: unknown) => void; reject: (e: Error) => void };
  private markClosed!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.markClosed = resolve));

  private constructor(
    private readonly stream: Duplex,
    readonly label: string,
    private readonly commandDeadlineMs: number,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.onData(chunk));
    stream.on('close', () => this.onClose());
    stream.on('error', () => this.onClose());
    // QEMU never half-closes QMP: its end of stream is the end. A tunnel (SSH forwarding) reports it
    // as 'end' and would 'close' only after this side ends too; end it so the channel goes.
    stream.on('end', () => {
      this.onClose();
      stream.end();
    });
  }

  /** Opens the socket, reads the greeting, negotiates capabilities. Throws `TimeoutError` past the deadline. */
  static async connect(target: QmpTarget, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const deadline = asDeadline(options.deadlineMs ?? 10_000);
    const deadlineMs = deadline.ms;
    const until = Date.now() + deadlineMs;
    const label = 'path' in target ? target.path : target.label;
    const stream = 'path' in target ? await connectUnix(target.path, deadline) : target.stream;
    const client = new QmpClient(stream, label, options.commandDeadlineMs ?? 30_000);
    try {
      await client.greeting(Math.max(until - Date.now(), 1), deadlineMs);
      await client.execute('qmp_capabilities', undefined, Math.max(until - Date.now(), 1));
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /** Runs one command; resolves with its `return` value. Throws `QmpCommandError`, `QmpClosedError` or `TimeoutError`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, deadlineMs = this.commandDeadlineMs): Promise<T> {
    if (this.closed) return Promise.reject(new QmpClosedError(this.label, command));
    const id = `passbench-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`QMP ${command} on ${this.label} had no answer after ${deadlineMs} ms`, {
          remedy: 'QEMU may be hung: check its serial log, or kill it.',
        }));
      }, deadlineMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.stream.write(JSON.stringify(args === undefined ? { execute: command, id } : { execute: command, arguments: args, id }) + '\n');
    });
  }

  /** Resolves with the first event named `name` received since `since` (an index into `events`, default: any so far). */
  waitForEvent(name: string, deadlineMs: number, since = 0): Promise<QmpEvent> {
    const seen = this.events.slice(since).find((e) => e.event === name);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(new QmpClosedError(this.label, `event ${name}`));
    return new Promise<QmpEvent>((resolve, reject) => {
      const waiter: EventWaiter = {
        name,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.eventWaiters.delete(waiter);
          const got = this.events.map((e) => e.event).join(', ') || 'none';
          reject(new TimeoutError(`no QMP event ${name} from ${this.label} within ${deadlineMs} ms (events so far: ${got})`));
        }, deadlineMs),
      };
      this.eventWaiters.add(waiter);
    });
  }

  /** Waits (bounded) until the socket has closed: QEMU exits after `quit`. */
  waitClosed(deadlineMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return withDeadline(this.closedPromise, deadlineMs, `QMP socket ${this.label} closing`);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.stream.destroy();
    this.onClose();
  }

  private greeting(timeoutMs: number, deadlineMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`no QMP greeting from ${this.label} within ${deadlineMs} ms`)),
        timeoutMs,
      );
      this.greetingWaiter = {
        resolve: (g) => { clearTimeout(timer); resolve(g); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      this.failAll(new QmpProtocolError(`QMP ${this.label} sent a line that is not JSON: ${line.slice(0, 200)}`, { cause: error }));
      return;
    }
    if ('QMP' in message) {
      this.greetingWaiter?.resolve(message.QMP);
      this.greetingWaiter = undefined;
    } else if (typeof message.event === 'string') {
      this.onEvent(message as unknown as QmpEvent);
    } else {
      this.onAnswer(message);
    }
  }

  private onEvent(event: QmpEvent): void {
    this.events.push(event);
    for (const waiter of this.eventWaiters) {
      if (waiter.name !== event.event) continue;
      clearTimeout(waiter.timer);
      this.eventWaiters.delete(waiter);
      waiter.resolve(event);
    }
  }

  private onAnswer(message: Record<string, unknown>): void {
    const id = typeof message.id === 'string' ? message.id : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending || id === undefined) return; // an answer to a command that already timed out
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const error = message.error as { class?: string; desc?: string } | undefined;
    if (error) pending.reject(new QmpCommandError(pending.command, error.class ?? 'GenericError', error.desc ?? '(no description)'));
    else pending.resolve(message.return);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.markClosed();
    this.failAll(undefined);
  }

  private failAll(error: Error | undefined): void {
    this.greetingWaiter?.reject(error ?? new QmpClosedError(this.label, 'the greeting'));
    this.greetingWaiter = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(error ?? new QmpClosedError(this.label, `the answer to ${p.command}`));
    }
    for (const w of this.eventWaiters) {
      clearTimeout(w.timer);
      this.eventWaiters.delete(w);
      w.reject(error ?? new QmpClosedError(this.label, `event ${w.name}`));
    }
  }
}

const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED']);

/** Connects to a unix socket, retrying while it is missing or refused (QEMU has not made it yet), until the deadline. */
function connectUnix(path: string, deadline: DeadlineLike): Promise<net.Socket> {
  return waitUntil(`QMP socket ${path} to accept a connection`, () => new Promise<net.Socket>((resolve, reject) => {
    const socket = net.createConnection({ path });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  }), {
    deadline, intervalMs: 50, fatal: (error) => !RETRYABLE.has((error as NodeJS.ErrnoException).code ?? ''),
    remedy: 'Check that QEMU started (its stderr) and that -qmp names this path.',
  });
}
