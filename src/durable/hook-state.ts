import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/**
 * Per-hook coordination, one object per hook (`idFromName(hook_id)`), SQLite-backed: the token
 * bucket, the last test result and the failure streak live here (see issue "Per-hook Durable Object").
 */
export class HookState extends DurableObject<Env> {}
