/**
 * The invocation's `waitUntil`, handed to a service by its route. The runtime may cancel a request's
 * outstanding work when the client goes away; work passed to `waitUntil` runs to its end. A service
 * whose D1 commit must be followed by its queue messages (or undone) runs that section under it.
 */
export type WaitUntil = (work: Promise<unknown>) => void;

/** `work`, kept running past a client disconnect; the caller still awaits it (and sees its error). */
export function surviveDisconnect<T>(waitUntil: WaitUntil | undefined, work: Promise<T>): Promise<T> {
  waitUntil?.(work.catch(() => undefined));
  return work;
}
