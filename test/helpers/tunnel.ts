import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";

// A tunnel's CLI played by the test itself: the WebSocket upgrade through the Worker's own fetch
// handler (the real route, auth and Tunnel object), and the messages as `hookrouter listen --tunnel`
// would exchange them.

export interface TunnelRequest {
  type: "request";
  id: string;
  headers: Record<string, string>;
  body: string;
}

/** What the test's CLI answers to a request: a receiver's answer, an error, or nothing (null). */
export type Answerer = (req: TunnelRequest) => { status: number; headers?: Record<string, string>; body: string } | { error: string } | null;

export class TestTunnel {
  readonly requests: TunnelRequest[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  ready: Promise<any>;

  constructor(
    readonly ws: WebSocket,
    public answer: Answerer = () => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"approved":true}' }),
  ) {
    ws.accept();
    let onReady!: (v: any) => void;
    this.ready = new Promise((r) => (onReady = r));
    this.closed = new Promise((r) => ws.addEventListener("close", (e) => r({ code: e.code, reason: e.reason })));
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data as string);
      if (frame.type === "ready") return onReady(frame);
      if (frame.type !== "request") return;
      this.requests.push(frame);
      const a = this.answer(frame);
      if (a) ws.send(JSON.stringify({ type: "response", id: frame.id, ...a }));
    });
  }

  close(): void {
    try {
      this.ws.close(1000, "test done");
    } catch {
      /* closed already */
    }
  }
}

/** The upgrade request a CLI sends, answered by the Worker as is (101 with the socket, or an error). */
export async function connectRaw(name: string, opts: { key?: string; upgrade?: boolean } = {}): Promise<Response> {
  const headers: Record<string, string> = { "user-agent": "tunnel-test" };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.upgrade !== false) headers.upgrade = "websocket";
  return worker.fetch(new Request(`http://hookrouter.test/v1/tunnels/${name}/connect`, { headers }) as Request<unknown, IncomingRequestCfProperties>, env as unknown as Env, createExecutionContext());
}

/** A connected tunnel CLI, once the router said it is ready. */
export async function connect(name: string, key: string, answer?: Answerer): Promise<TestTunnel> {
  const res = await connectRaw(name, { key });
  if (res.status !== 101 || !res.webSocket) throw new Error(`connect: ${res.status} ${await res.text()}`);
  const tunnel = new TestTunnel(res.webSocket, answer);
  await tunnel.ready;
  return tunnel;
}
