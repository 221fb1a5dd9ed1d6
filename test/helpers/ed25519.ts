// Verifies Standard Webhooks `v1a` (ed25519) signatures with a `whpk_` public key through Web Crypto,
// as a receiver would, in the Workers runtime or Node alike. (The `standardwebhooks` npm library
// verifies `v1` only; test/unit/signing-profiles.test.ts also checks `v1a` with node:crypto.)

export async function verifyV1a(publicKey: string, headers: Record<string, string>, body: string): Promise<boolean> {
  const raw = Uint8Array.from(atob(publicKey.slice("whpk_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  const signed = new TextEncoder().encode(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`);
  for (const s of (headers["webhook-signature"] ?? "").split(" ")) {
    if (!s.startsWith("v1a,")) continue;
    const sig = Uint8Array.from(atob(s.slice(4)), (c) => c.charCodeAt(0));
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig, signed)) return true;
  }
  return false;
}
