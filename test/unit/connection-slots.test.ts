import { describe, expect, it } from "vitest";
import { ConnectionSlots } from "../../src/delivery/connection-slots";

/** A task that runs until released, recording when it started. */
function gate(started: number[], i: number) {
  let release!: (v: number) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<number>((res, rej) => ((release = res), (fail = rej)));
  return { task: () => (started.push(i), done), release: () => release(i), fail: () => fail(new Error(`task ${i} failed`)) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("ConnectionSlots", () => {
  it("runs at most `size` tasks at once and starts the next one when a slot frees, in order", async () => {
    const slots = new ConnectionSlots(2);
    const started: number[] = [];
    const gates = [0, 1, 2, 3].map((i) => gate(started, i));
    const results = gates.map((g) => slots.run(g.task));
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.release();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.release();
    gates[2]!.release();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[3]!.release();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3]);
  });

  it("gives the slot back when a task fails", async () => {
    const slots = new ConnectionSlots(1);
    const started: number[] = [];
    const [a, b] = [gate(started, 0), gate(started, 1)];
    const first = slots.run(a.task);
    const second = slots.run(b.task);
    await tick();
    expect(started).toEqual([0]);
    a.fail();
    await expect(first).rejects.toThrow("task 0 failed");
    await tick();
    expect(started).toEqual([0, 1]);
    b.release();
    expect(await second).toBe(1);
  });
});
