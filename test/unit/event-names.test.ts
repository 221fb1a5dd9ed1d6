import { describe, expect, it } from "vitest";
import { eventNameOfPair, PAIR_ACTIONS, PAIR_ENTITIES } from "../../src/domain/event-names";

// MLflow's {entity, action} events map to one canonical name, MLflow's own string form.

const named = (entity: string, action: string, wildcards = false) => eventNameOfPair({ entity, action }, wildcards);

describe("eventNameOfPair", () => {
  it("maps a pair to entity.action in lower case, whatever the letter case", () => {
    for (const [entity, action] of [
      ["MODEL_VERSION", "CREATED"],
      ["model_version", "created"],
      ["Model_Version", "Created"],
      [" MODEL_VERSION ", "created"],
    ]) {
      expect(named(entity!, action!)).toEqual({ ok: true, name: "model_version.created" });
    }
    expect(named("PROMPT_TAG", "SET")).toEqual({ ok: true, name: "prompt_tag.set" });
    expect(named("BUDGET_POLICY", "EXCEEDED")).toEqual({ ok: true, name: "budget_policy.exceeded" });
  });

  it("names every entity and action of the seed, and each name is a valid hookrouter event name", () => {
    for (const e of PAIR_ENTITIES) {
      for (const a of PAIR_ACTIONS) {
        const n = named(e, a);
        expect(n.ok && /^[a-z_]+\.[a-z]+$/.test(n.name)).toBe(true);
      }
    }
  });

  it("reads the seed's UNSPECIFIED values (and *) as wildcards in a subscription", () => {
    expect(named("MODEL_VERSION", "ACTION_UNSPECIFIED", true)).toEqual({ ok: true, name: "model_version.*" });
    expect(named("ENTITY_UNSPECIFIED", "CREATED", true)).toEqual({ ok: true, name: "*.created" });
    expect(named("entity_unspecified", "action_unspecified", true)).toEqual({ ok: true, name: "*" });
    expect(named("*", "deleted", true)).toEqual({ ok: true, name: "*.deleted" });
  });

  it("refuses wildcards in an event, and anything outside the seed's enums", () => {
    expect(named("MODEL_VERSION", "ACTION_UNSPECIFIED")).toMatchObject({ ok: false, path: "action" });
    expect(named("*", "CREATED")).toMatchObject({ ok: false, path: "entity" });
    expect(named("EXPERIMENT", "CREATED", true)).toMatchObject({ ok: false, path: "entity" });
    expect(named("MODEL_VERSION", "RENAMED", true)).toMatchObject({ ok: false, path: "action" });
    expect(named("MODEL_VERSION.CREATED", "CREATED", true)).toMatchObject({ ok: false, path: "entity" });
  });
});
