import { base64ToBytes, bytesToBase64, bytesToHex, utf8 } from "./encoding";

// Secrets at rest (hook signing secrets, Slack bot tokens) are sealed with AES-256-GCM.
// Sealed form: `v2.<key id>.<base64 iv>.<base64 ciphertext+tag>`. The key id (first 8 hex digits of
// SHA-256 of the key) says which key opens it, so ENCRYPTION_KEY can be rotated: old values stay
// readable through ENCRYPTION_KEYS_PREVIOUS while new ones use the current key.
//
// The additional data binds a value to the key id and to where it is stored (`SealedIn`: the row and
// column). Someone who can write the database but lacks the key could otherwise copy a sealed value
// into another row's column (their own hook's secret into yours, or your Slack token into their
// account) and have hookrouter open and use it there. `v1.` values, sealed before the binding with
// the key id alone as additional data, still open; re-encryption (src/services/reencrypt.ts) re-seals
// them bound, and counts them.

/** Where a sealed value lives: its additional data, so it opens nowhere else. */
export const SealedIn = {
  hookSecret: (hookId: string) => `hook:${hookId}:secret`,
  hookPreviousSecret: (hookId: string) => `hook:${hookId}:previous_secret`,
  slackToken: (accountId: string) => `slack:${accountId}:token`,
} as const;

const BOUND = "v2";
const LEGACY = "v1";

/**
 * A sealed value this hookrouter cannot open: not a sealed value, sealed under a key that is not
 * configured (missing from ENCRYPTION_KEY/ENCRYPTION_KEYS_PREVIOUS), or not opened by that key.
 * A configuration or data problem, not a bug: callers that can report it (an endpoint test) do.
 */
export class UnreadableSecretError extends Error {}

interface LoadedKey {
  id: string;
  key: CryptoKey;
}

export class SecretBox {
  private constructor(
    private readonly current: LoadedKey,
    private readonly byId: Map<string, LoadedKey>,
  ) {}

  static async create(currentB64: string, previousB64: string[] = []): Promise<SecretBox> {
    const current = await loadKey(currentB64);
    const byId = new Map<string, LoadedKey>([[current.id, current]]);
    for (const b64 of previousB64) {
      const k = await loadKey(b64);
      if (!byId.has(k.id)) byId.set(k.id, k);
    }
    return new SecretBox(current, byId);
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** The ids of every configured key, current first: the keys that can open a sealed value. */
  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  /** True when `sealed` was made with the current key and bound to its place (re-encryption can leave it alone). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${BOUND}.`) && SecretBox.keyIdOf(sealed) === this.current.id;
  }

  /** Sealed for `place` (a `SealedIn` value): it opens only there. */
  async seal(plain: string, place: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: boundData(this.current.id, place) }, this.current.key, utf8(plain));
    return `${BOUND}.${this.current.id}.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(ct))}`;
  }

  /** Opens a value stored at `place`; a `v1.` value (sealed before the binding) opens anywhere. */
  async open(sealed: string, place: string): Promise<string> {
    const [version, keyId, ivB64, ctB64] = sealed.split(".");
    if ((version !== BOUND && version !== LEGACY) || !keyId || !ivB64 || !ctB64) throw new UnreadableSecretError("not a sealed value");
    const k = this.byId.get(keyId);
    if (!k) throw new UnreadableSecretError(`no encryption key with id ${keyId} is configured`);
    const additionalData = version === BOUND ? boundData(keyId, place) : utf8(keyId);
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: base64ToBytes(ivB64), additionalData }, k.key, base64ToBytes(ctB64));
    } catch {
      throw new UnreadableSecretError(
        `the value sealed under encryption key ${keyId} does not open with it here (altered, sealed for another row or column, or another key with the same id)`,
      );
    }
    return new TextDecoder().decode(plain);
  }

  /** True for a value sealed before values were bound to their place (the key id alone as additional data). */
  static isUnbound(sealed: string): boolean {
    return sealed.startsWith(`${LEGACY}.`);
  }

  /** The key id a sealed value was made with. */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split(".")[1];
  }
}

function boundData(keyId: string, place: string): Uint8Array {
  return utf8(`${BOUND}|${keyId}|${place}`);
}

async function loadKey(b64: string): Promise<LoadedKey> {
  const raw = base64ToBytes(b64);
  const id = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", raw))).slice(0, 8);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id, key };
}

const boxes = new WeakMap<object, Promise<SecretBox>>();

/** One SecretBox per configuration object (per isolate): keys are imported once. */
export function secretBoxFor(config: { ENCRYPTION_KEY: string; ENCRYPTION_KEYS_PREVIOUS: string[] }): Promise<SecretBox> {
  let box = boxes.get(config);
  if (!box) {
    box = SecretBox.create(config.ENCRYPTION_KEY, config.ENCRYPTION_KEYS_PREVIOUS);
    boxes.set(config, box);
  }
  return box;
}
