// Exit codes: 0 done; 1 the router or the network said no (error printed); 2 the command line was
// wrong; 3 the command worked and its answer is negative (a gate rejected, an endpoint test failed).
export const EXIT = { ok: 0, failed: 1, usage: 2, negative: 3 } as const;

/** A mistake on the command line (unknown flag, bad value): printed with a hint, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}
