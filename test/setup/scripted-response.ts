/** How the test receiver (./receiver-server.ts) answers one request, as a test scripts it. */
export interface ScriptedResponse {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  delay_ms?: number;
  /** Never answer (until the client gives up). */
  hang?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Stream a body that never ends. */
  endless?: boolean;
  /**
   * Answer only once the namespace has received this many requests in all (a barrier): requests
   * answered so prove they were all in flight at once. Until then they wait (or the client gives up).
   */
  after_requests?: number;
}
