import { describe, expect, it } from "vitest";
import { StopSignal } from "./consume.ts";
import { CompletionOrder, PartitionDispatcher } from "./in-flight.ts";

describe("CompletionOrder", () => {
  it("moves the done prefix only over contiguous done messages, whatever order they finish in", () => {
    const order = new CompletionOrder();
    for (const offset of ["0", "1", "2", "3", "4"]) order.start(offset);
    expect(order.finish("2")).toBeUndefined();
    expect(order.finish("1")).toBeUndefined();
    expect(order.finish("0")).toBe("2");
    expect(order.pending).toBe(2);
    expect(order.finish("4")).toBeUndefined();
    expect(order.finish("3")).toBe("4");
    expect(order.pending).toBe(0);
  });

  it("follows start order across gaps in the offsets", () => {
    const order = new CompletionOrder();
    for (const offset of ["10", "13", "17"]) order.start(offset);
    expect(order.finish("13")).toBeUndefined();
    expect(order.finish("10")).toBe("13");
    expect(order.finish("17")).toBe("17");
  });

  it("keeps working after many messages (the head is compacted)", () => {
    const order = new CompletionOrder();
    for (let i = 0; i < 5_000; i++) order.start(String(i));
    for (let i = 4_999; i >= 1; i--) expect(order.finish(String(i))).toBeUndefined();
    expect(order.finish("0")).toBe("4999");
    order.start("5000");
    expect(order.finish("5000")).toBe("5000");
  });
});

describe("PartitionDispatcher", () => {
  function manual() {
    const resolvers = new Map<string, (done: boolean) => void>();
    const failers = new Map<string, (error: Error) => void>();
    const deliver = (offset: string) => () =>
      new Promise<boolean>((resolve, reject) => {
        resolvers.set(offset, resolve);
        failers.set(offset, reject);
      });
    return { resolvers, failers, deliver };
  }

  it("bounds the running deliveries and reports the prefix as it closes", async () => {
    const prefixes: string[] = [];
    const dispatcher = new PartitionDispatcher({
      limit: 2,
      parent: new StopSignal(),
      onPrefix: (last) => prefixes.push(last),
    });
    const { resolvers, deliver } = manual();
    dispatcher.start("0", deliver("0"));
    expect(dispatcher.hasRoom()).toBe(true);
    dispatcher.start("1", deliver("1"));
    expect(dispatcher.hasRoom()).toBe(false);
    resolvers.get("1")?.(true);
    await dispatcher.whenOneSettles();
    expect(dispatcher.hasRoom()).toBe(true);
    expect(prefixes).toEqual([]);
    expect(dispatcher.unfinished).toBe(2);
    dispatcher.start("2", deliver("2"));
    resolvers.get("0")?.(true);
    await dispatcher.whenOneSettles();
    expect(prefixes).toEqual(["1"]);
    resolvers.get("2")?.(true);
    await dispatcher.drain();
    expect(prefixes).toEqual(["1", "2"]);
  });

  it("leaves an abandoned message and everything after it out of the prefix", async () => {
    const prefixes: string[] = [];
    const parent = new StopSignal();
    const dispatcher = new PartitionDispatcher({ limit: 3, parent, onPrefix: (last) => prefixes.push(last) });
    const { resolvers, deliver } = manual();
    for (const offset of ["0", "1", "2"]) dispatcher.start(offset, deliver(offset));
    parent.stop();
    expect(dispatcher.signal.stopped).toBe(true);
    resolvers.get("0")?.(true);
    resolvers.get("1")?.(false);
    resolvers.get("2")?.(true);
    await dispatcher.drain();
    expect(prefixes).toEqual(["0"]);
  });

  it("stops on a failing delivery, lets the others finish, then throws the failure", async () => {
    const prefixes: string[] = [];
    const dispatcher = new PartitionDispatcher({
      limit: 3,
      parent: new StopSignal(),
      onPrefix: (last) => prefixes.push(last),
    });
    const { resolvers, failers, deliver } = manual();
    for (const offset of ["0", "1", "2"]) dispatcher.start(offset, deliver(offset));
    failers.get("1")?.(new Error("rebalancing"));
    await dispatcher.whenOneSettles();
    expect(dispatcher.signal.stopped).toBe(true);
    let drained = false;
    const draining = dispatcher.drain().finally(() => {
      drained = true;
    });
    resolvers.get("0")?.(true);
    await Promise.resolve();
    expect(drained).toBe(false);
    resolvers.get("2")?.(true);
    await expect(draining).rejects.toThrow("rebalancing");
    expect(prefixes).toEqual(["0"]);
  });
});
