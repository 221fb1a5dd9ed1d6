import { base64ToBytes, bytesToBase64 } from "./encoding";

// Ed25519 through Web Crypto, for Standard Webhooks' asymmetric signatures (`v1a`). Keys are written
// as Standard Webhooks (and Svix) write them: the secret key `whsk_` + base64(seed ‖ public key), 64
// bytes; the public key `whpk_` + base64(public key), 32 bytes.

export const SIGNING_KEY_PREFIX = "whsk_";
export const PUBLIC_KEY_PREFIX = "whpk_";

const ED25519 = { name: "Ed25519" } as const;
/** The PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410): this prefix, then the seed. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

function b64urlToBytes(s: string): Uint8Array {
  return base64ToBytes(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
}

/** The key bytes of a `whsk_` key: 64 (seed ‖ public key) or, accepted on import, the 32-byte seed alone. */
export function signingKeyBytes(key: string): Uint8Array | null {
  return prefixedBytes(key, SIGNING_KEY_PREFIX, [64, 32]);
}

/** The bytes after `prefix` in `key` (base64), when there are as many as one of `lengths`. */
function prefixedBytes(key: string, prefix: string, lengths: number[]): Uint8Array | null {
  if (!key.startsWith(prefix)) return null;
  const b64 = key.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  try {
    const bytes = base64ToBytes(b64);
    return lengths.includes(bytes.length) ? bytes : null;
  } catch {
    return null;
  }
}

async function importSeed(seed: Uint8Array, extractable: boolean): Promise<CryptoKey> {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(seed, PKCS8_PREFIX.length);
  return crypto.subtle.importKey("pkcs8", der, ED25519, extractable, ["sign"]) as Promise<CryptoKey>;
}

/** The public key bytes of a seed. */
async function publicKeyOfSeed(seed: Uint8Array): Promise<Uint8Array> {
  const jwk = (await crypto.subtle.exportKey("jwk", await importSeed(seed, true))) as JsonWebKey;
  return b64urlToBytes(jwk.x!);
}

/**
 * A `whsk_` key as stored (seed ‖ public key) and its `whpk_` public key, or null when the key is not
 * a valid Ed25519 key (its public half, when given, must be the seed's).
 */
export async function normaliseSigningKey(key: string): Promise<{ secret: string; publicKey: string } | null> {
  const bytes = signingKeyBytes(key);
  if (!bytes) return null;
  const seed = bytes.slice(0, 32);
  let pub: Uint8Array;
  try {
    pub = await publicKeyOfSeed(seed);
  } catch {
    return null;
  }
  if (bytes.length === 64 && bytesToBase64(bytes.slice(32)) !== bytesToBase64(pub)) return null;
  const full = new Uint8Array(64);
  full.set(seed);
  full.set(pub, 32);
  return { secret: SIGNING_KEY_PREFIX + bytesToBase64(full), publicKey: PUBLIC_KEY_PREFIX + bytesToBase64(pub) };
}

/** A new key pair. */
export async function generateSigningKey(): Promise<{ secret: string; publicKey: string }> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return (await normaliseSigningKey(SIGNING_KEY_PREFIX + bytesToBase64(seed)))!;
}

/** The `whpk_` public key of a stored `whsk_` key (its second half). */
export function publicKeyOf(key: string): string | null {
  const bytes = signingKeyBytes(key);
  return bytes && bytes.length === 64 ? PUBLIC_KEY_PREFIX + bytesToBase64(bytes.slice(32)) : null;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function signingKey(key: string): Promise<CryptoKey> {
  let k = keyCache.get(key);
  if (!k) {
    const bytes = signingKeyBytes(key);
    if (!bytes) return Promise.reject(new Error("not a whsk_ Ed25519 key"));
    k = importSeed(bytes.slice(0, 32), false);
    k.catch(() => keyCache.delete(key));
    if (keyCache.size > 5000) keyCache.clear();
    keyCache.set(key, k);
  }
  return k;
}

export async function signEd25519(key: string, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ED25519, await signingKey(key), message));
}

/** The 32 key bytes of a `whpk_` public key, or null when it is not one. */
export function publicKeyBytes(key: string): Uint8Array | null {
  return prefixedBytes(key, PUBLIC_KEY_PREFIX, [32]);
}

/** Whether `signature` is the `whpk_` key's Ed25519 signature of `message` (false for a malformed key or signature). */
export async function verifyEd25519(publicKey: string, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const bytes = publicKeyBytes(publicKey);
  if (!bytes || signature.length !== 64) return false;
  const key = await crypto.subtle.importKey("raw", bytes, ED25519, false, ["verify"]);
  return crypto.subtle.verify(ED25519, key, signature, message);
}
