/** What went wrong, as one line of text: an error's message, or whatever else was thrown, as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
