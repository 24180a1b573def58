/** Hands back a held slot; calling it again does nothing. */
export type Release = () => void;

/**
 * A counting semaphore: at most `size` holders at once, the rest wait their turn in the order they
 * asked. A released slot passes straight to the next in line, so nobody can overtake a waiter.
 */
export class Semaphore {
  private held = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a semaphore needs a size ≥ 1, got ${size}`);
  }

  /** Resolves with the release once a slot is this caller's. */
  async acquire(): Promise<Release> {
    if (this.held < this.size) this.held += 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next(); // the slot changes hands without ever being free
      else this.held -= 1;
    };
  }

  /** Runs `work` holding a slot, and releases it however the work ends. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }
}

/** One holder at a time, first come first served. */
export class Mutex extends Semaphore {
  constructor() {
    super(1);
  }
}
