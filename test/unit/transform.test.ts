import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deliveryBody } from "../../src/delivery/request";
import { applyTransform, compileString, MAX_TEMPLATE_EXPRESSIONS, MAX_TRANSFORM_OUTPUT_BYTES, TEMPLATE_FILTERS, transformRoot, validateTransform } from "../../src/domain/transform";

const event = {
  id: "evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R",
  type: "model_version.created",
  createdAt: "2026-11-23T10:00:00.000Z",
  data: { name: "churn", version: 3, tags: ["prod", "eu"], run: { id: "r-42", metrics: { auc: 0.91 } }, note: null },
  applications: ["ml"],
  workId: null,
};

function apply(body: unknown, e: typeof event = event) {
  expect(validateTransform({ body })).toEqual([]);
  const r = applyTransform({ body }, transformRoot(e));
  if (!r.ok) throw new Error(r.error);
  return JSON.parse(r.body);
}

describe("payload transformations: the examples", () => {
  it("MLflow's {entity, action, data} shape", () => {
    expect(apply({ entity: '{{ type | before_last: "." }}', action: '{{ type | after_last: "." }}', timestamp: "{{ timestamp }}", data: "{{ data }}" })).toEqual({
      entity: "model_version",
      action: "created",
      timestamp: "2026-11-23T10:00:00.000Z",
      data: event.data,
    });
  });

  it("a raw body: the payload alone, or some of its fields renamed", () => {
    expect(apply("{{ data }}")).toEqual(event.data);
    expect(apply({ model: "{{ data.name }}", v: "{{ data.version }}", auc: "{{ data.run.metrics.auc }}", source: "hookrouter" })).toEqual({ model: "churn", v: 3, auc: 0.91, source: "hookrouter" });
  });

  it("a Discord-like and a Teams-like card", () => {
    const discord = apply({
      content: "Model **{{ data.name }}** v{{ data.version }} was {{ type | after_last: \".\" }}",
      embeds: [{ title: "{{ type }}", color: 5814783, fields: [{ name: "Tags", value: '{{ data.tags | join: ", " }}', inline: true }], footer: { text: "{{ id }}" } }],
    });
    expect(discord).toEqual({
      content: "Model **churn** v3 was created",
      embeds: [{ title: "model_version.created", color: 5814783, fields: [{ name: "Tags", value: "prod, eu", inline: true }], footer: { text: event.id } }],
    });
    const teams = apply({
      "@type": "MessageCard",
      "@context": "http://schema.org/extensions",
      themeColor: "0076D7",
      summary: "{{ type }}",
      sections: [{ activityTitle: "{{ data.name | upper }} v{{ data.version }}", facts: [{ name: "Run", value: "{{ data.run.id }}" }, { name: "Note", value: '{{ data.note | default: "none" }}' }] }],
    });
    expect(teams.sections[0]).toEqual({ activityTitle: "CHURN v3", facts: [{ name: "Run", value: "r-42" }, { name: "Note", value: "none" }] });
  });

  it("interpolates values as text and copies whole values with their type", () => {
    expect(apply({ a: "{{ data.run }}", b: "run={{ data.run }}", c: "{{ data.missing }}", d: "[{{ data.missing }}]", e: "{{ data.tags | length }}", f: "{{ data.version | string }}", g: "{{ data.run | json }}" })).toEqual({
      a: { id: "r-42", metrics: { auc: 0.91 } },
      b: 'run={"id":"r-42","metrics":{"auc":0.91}}',
      c: null,
      d: "[]",
      e: 2,
      f: "3",
      g: '{"id":"r-42","metrics":{"auc":0.91}}',
    });
  });

  it("keeps keys such as __proto__ as ordinary keys", () => {
    const r = applyTransform({ body: JSON.parse('{"__proto__": {"x": "{{ type }}"}}') }, transformRoot(event));
    expect(r).toEqual({ ok: true, body: '{"__proto__":{"x":"model_version.created"}}' });
  });
});

describe("payload transformations: failures", () => {
  it("a required value that is missing fails with why, and a delivery body says transform_failed", () => {
    const t = { body: { run: "{{ data.run_id | required }}" } };
    expect(applyTransform(t, transformRoot(event))).toEqual({ ok: false, error: "{{data.run_id | required}}: the event has no value there" });
    const built = deliveryBody({ ...event, payload: JSON.stringify(event.data) }, { payloadFormat: "envelope", transform: t });
    expect(built).toEqual({ ok: false, error: "transform_failed: {{data.run_id | required}}: the event has no value there" });
  });

  it("an output over the cap fails, without building it", () => {
    const big = { ...event, data: { blob: "x".repeat(200_000) } };
    const r = applyTransform({ body: ["{{ data.blob }}", "{{ data.blob }}"] }, transformRoot(big));
    expect(r).toEqual({ ok: false, error: `the output is over ${MAX_TRANSFORM_OUTPUT_BYTES} bytes` });
    // The same value inserted hundreds of times: refused after the cap, not after copying it each time.
    const many = { body: Array.from({ length: MAX_TEMPLATE_EXPRESSIONS }, () => "{{ data }}") };
    const started = performance.now();
    expect(applyTransform(many, transformRoot(big)).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("points at the bad string of an invalid template", () => {
    const at = (t: unknown) => validateTransform(t).map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(at({ body: { a: { b: ["ok", "{{ data.x | uper }}"] } } })).toEqual([expect.stringMatching(/^body\.a\.b\.1: in \{\{ data\.x \| uper \}\}: unknown filter "uper"/)]);
    expect(at({ body: "{{ data.x" })).toEqual([expect.stringMatching(/^body: unclosed \{\{/)]);
    expect(at({ body: "{{ data..x }}" })).toEqual([expect.stringMatching(/^body: in .*unexpected \./)]);
    expect(at({ body: '{{ data.x | before }}' })).toEqual([expect.stringMatching(/takes an argument/)]);
    expect(at({ body: '{{ data.x | truncate: "a" }}' })).toEqual([expect.stringMatching(/whole number/)]);
    expect(at({ body: "{{ data.x | upper: 1 }}" })).toEqual([expect.stringMatching(/takes no argument/)]);
    expect(at({ template: {} })).toEqual([expect.stringMatching(/^template: unknown field/)]);
    expect(at({})).toEqual([expect.stringMatching(/^body: required/)]);
    expect(at({ body: "x".repeat(20_000) })).toEqual([expect.stringMatching(/at most 16384 bytes/)]);
  });

  it("parses pipes inside quoted arguments as text", () => {
    expect(compileString('{{ data.tags | join: " | " }}')).toMatchObject({ ok: true, value: { whole: true } });
    expect(apply('{{ data.tags | join: " | " }}')).toBe("prod | eu");
  });
});

describe("payload transformations: properties", () => {
  const path = fc.oneof(fc.constantFrom("data", "data.a", "data.a.b", "data.list[1]", "type", "id", "__proto__", "data.constructor", "applications"), fc.string({ maxLength: 10 }));
  const filterCall = fc.oneof(
    fc.constantFrom(...TEMPLATE_FILTERS),
    fc.tuple(fc.constantFrom(...TEMPLATE_FILTERS), fc.oneof(fc.jsonValue({ maxDepth: 0 }), fc.string({ maxLength: 5 }))).map(([f, a]) => `${f}: ${JSON.stringify(a)}`),
    fc.string({ maxLength: 8 }),
  );
  const expression = fc.tuple(path, fc.array(filterCall, { maxLength: 3 })).map(([p, fs]) => `{{ ${[p, ...fs].join(" | ")} }}`);
  const templateString = fc.oneof(expression, fc.tuple(fc.string({ maxLength: 6 }), expression, fc.string({ maxLength: 6 })).map((xs) => xs.join("")), fc.string({ maxLength: 10 }));
  const { template } = fc.letrec<{ template: unknown }>((tie) => ({
    template: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      templateString,
      fc.jsonValue({ maxDepth: 1 }),
      fc.array(tie("template"), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie("template"), { maxKeys: 4 }),
    ),
  }));
  const data = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ a: fc.jsonValue({ maxDepth: 3 }), list: fc.array(fc.jsonValue({ maxDepth: 1 })) }));

  it("never throws, whatever the transform and the event, and a success is JSON within the cap (property)", () => {
    fc.assert(
      fc.property(fc.oneof(template.map((body) => ({ body })), fc.jsonValue({ maxDepth: 3 })), data, (t, d) => {
        const r = applyTransform(t, transformRoot({ ...event, data: d }));
        if (r.ok) {
          expect(() => JSON.parse(r.body)).not.toThrow();
          expect(new TextEncoder().encode(r.body).byteLength).toBeLessThanOrEqual(MAX_TRANSFORM_OUTPUT_BYTES);
        } else expect(typeof r.error).toBe("string");
        expect(Array.isArray(validateTransform(t))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("a template without expressions is its own output (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (body) => {
        fc.pre(!JSON.stringify(body).includes("{{"));
        const r = applyTransform({ body }, transformRoot(event));
        expect(r.ok && JSON.parse(r.body)).toEqual(JSON.parse(JSON.stringify(body)));
      }),
      { numRuns: 1000 },
    );
  });

  it("applies the largest valid template to a 256 KiB payload in bounded time", () => {
    const big = { ...event, data: { text: "y".repeat(120_000), items: Array.from({ length: 2000 }, (_, i) => ({ i, s: "z".repeat(40) })) } };
    const body = Array.from({ length: MAX_TEMPLATE_EXPRESSIONS / 2 }, (_, i) => `{{ data.items[${i}].s | upper | trim }} {{ data.text | truncate: 100 }}`);
    expect(validateTransform({ body })).toEqual([]);
    const started = performance.now();
    for (let i = 0; i < 5; i++) applyTransform({ body }, transformRoot(big));
    expect((performance.now() - started) / 5).toBeLessThan(100);
  });

  it("a hostile, never-validated template (100,000 deep) fails cleanly", () => {
    let deep: unknown = "{{ type }}";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(applyTransform({ body: deep }, transformRoot(event))).toMatchObject({ ok: false });
  });
});
