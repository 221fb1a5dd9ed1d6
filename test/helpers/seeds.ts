import { expect } from "vitest";
import { call } from "./api";

// For the seed tests (test/seeds/): a seed system's catalog file put into an account, as
// `hookrouter catalog import examples/catalogs/<system>.json` does (one PUT per event type).

export interface CatalogFile {
  event_types: Array<{ name: string; description?: string; application_level?: boolean; applications_path?: string }>;
}

export async function importCatalog(key: string, file: CatalogFile): Promise<void> {
  for (const { name, ...fields } of file.event_types) {
    const res = await call("PUT", `/v1/event-types/${name}`, { token: key, body: fields });
    expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
  }
}
