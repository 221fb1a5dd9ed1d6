/**
 * An event as the delivery path carries it to a receiver: what the request builder
 * (src/delivery/request.ts) and the Slack message builder (slack-message.ts) both read.
 */
export interface EventForDelivery {
  id: string;
  type: string;
  createdAt: string;
  /** The payload as stored: JSON text. */
  payload: string;
  applications: string[] | null;
  workId: string | null;
}
