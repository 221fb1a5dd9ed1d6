/**
 * At most `size` sends at once. A Worker invocation has 6 simultaneous outgoing connections; a fetch
 * beyond them waits for one to free up, and would spend that wait inside its own delivery timeout. A
 * send takes a slot first, and its timeout starts only once it has one, so a queue batch larger than
 * 6 never times a delivery out for waiting behind slow receivers.
 */
export class ConnectionSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Handed straight to the next in line, or given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** Simultaneous outgoing connections per Worker invocation (Cloudflare's limit). */
export const OUTGOING_CONNECTIONS = 6;
