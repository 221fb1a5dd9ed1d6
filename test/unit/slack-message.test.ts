import { describe, expect, it } from "vitest";
import {
  buildSlackMessage,
  escapeMrkdwn,
  FIELD_MAX,
  HEADER_MAX,
  MAX_FIELDS_SHOWN,
  SECTION_TEXT_MAX,
  type SlackBlock,
} from "../../src/domain/slack-message";
import type { EventForDelivery } from "../../src/domain/event-for-delivery";

const event = (over: Partial<EventForDelivery> = {}): EventForDelivery => ({
  id: "evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R",
  type: "job_run.failed",
  createdAt: "2026-11-23T10:00:00.000Z",
  payload: JSON.stringify({ job_id: "job_42", attempts: 3, error: "exit code 1" }),
  applications: null,
  workId: "work_01JD3Z5Q3W9X4Y2V8N6M1K0P7S",
  ...over,
});

const texts = (blocks: SlackBlock[]): string[] =>
  blocks.flatMap((b) => (b.type === "header" ? [b.text.text] : b.type === "section" ? [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)] : b.elements.map((e) => e.text)));

describe("Slack message (Block Kit)", () => {
  it("titles the message with the event type, shows each payload field, and closes with the event id and work_id", () => {
    const m = buildSlackMessage(event());
    expect(m.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "job_run.failed" } });
    expect(m.blocks[1]).toEqual({
      type: "section",
      fields: [
        { type: "mrkdwn", text: "*job_id*\njob_42" },
        { type: "mrkdwn", text: "*attempts*\n`3`" },
        { type: "mrkdwn", text: "*error*\nexit code 1" },
      ],
    });
    const last = m.blocks[m.blocks.length - 1]!;
    expect(last.type).toBe("context");
    const context = texts([last])[0]!;
    expect(context).toContain("evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R");
    expect(context).toContain("work_01JD3Z5Q3W9X4Y2V8N6M1K0P7S");
    expect(m.text).toBe("job_run.failed: event evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R (work_id work_01JD3Z5Q3W9X4Y2V8N6M1K0P7S)");
  });

  it("leaves work_id out when there is none, and names the applications when there are some", () => {
    const m = buildSlackMessage(event({ workId: null, applications: ["billing", "search"] }));
    expect(m.text).toBe("job_run.failed: event evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R");
    const context = texts([m.blocks[m.blocks.length - 1]!])[0]!;
    expect(context).not.toContain("work_id");
    expect(context).toContain("applications: billing, search");
  });

  it("escapes the characters mrkdwn gives a meaning, so a payload cannot ping @channel or forge a link", () => {
    expect(escapeMrkdwn("<!channel> & <https://evil|click>")).toBe("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;");
    const m = buildSlackMessage(event({ type: "a<b>", payload: JSON.stringify({ "<k>": "<!here>", nested: { x: "<y>" } }) }));
    const all = texts(m.blocks.slice(1)).join("\n") + m.text; // every mrkdwn text
    expect(all).not.toMatch(/<|>/);
    expect(all).toContain("&lt;!here&gt;");
    expect(m.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "a<b>" } }); // plain_text is not parsed
  });

  it("shows nested values as compact JSON and splits many fields into sections of at most 10", () => {
    const payload = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i % 2 ? { n: i } : `v${i}`]));
    const m = buildSlackMessage(event({ payload: JSON.stringify(payload) }));
    const sections = m.blocks.filter((b): b is Extract<SlackBlock, { type: "section" }> => b.type === "section");
    expect(sections.map((s) => s.fields!.length)).toEqual([10, 10]);
    expect(sections.flatMap((s) => s.fields!).length).toBe(MAX_FIELDS_SHOWN);
    expect(sections[0]!.fields![1]!.text).toBe('*k1*\n`{"n":1}`');
    expect(texts(m.blocks)).toContain("…and 5 more fields");
  });

  it("keeps every text inside Slack's limits however large the payload", () => {
    const long = "x".repeat(10_000);
    const m = buildSlackMessage(event({ type: "t".repeat(128), payload: JSON.stringify({ big: long, obj: { long } }) }));
    expect((m.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(HEADER_MAX);
    const fields = (m.blocks[1] as { fields: Array<{ text: string }> }).fields;
    for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(FIELD_MAX);
    expect(fields[0]!.text.endsWith("…")).toBe(true);
    expect(fields[1]!.text.endsWith("…`")).toBe(true);

    const arr = buildSlackMessage(event({ payload: JSON.stringify(Array.from({ length: 2000 }, (_, i) => i)) }));
    const code = (arr.blocks[1] as { text: { text: string } }).text.text;
    expect(code.startsWith("```")).toBe(true);
    expect(code.endsWith("```")).toBe(true);
    expect(code.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(arr.blocks.length).toBeLessThanOrEqual(50);
  });

  it("shows a scalar, an empty object or text that is not JSON without failing", () => {
    expect(texts(buildSlackMessage(event({ payload: "42" })).blocks)[1]).toBe("```42```");
    expect(texts(buildSlackMessage(event({ payload: "{}" })).blocks)[1]).toBe("_(empty payload)_");
    expect(texts(buildSlackMessage(event({ payload: "not json <x>" })).blocks)[1]).toBe("```not json &lt;x&gt;```");
    expect(texts(buildSlackMessage(event({ payload: JSON.stringify({ s: "" }) })).blocks)[1]).toBe("*s*\n(empty)");
  });
});
