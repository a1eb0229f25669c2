import { describe, expect, it } from "vitest";
import { CommitTracker } from "./commit-tracker.ts";

describe("CommitTracker", () => {
  it("moves a partition's position over its done prefix only", () => {
    const tracker = new CommitTracker();
    for (const offset of ["5", "6", "8"]) expect(tracker.started(0, offset)).toBe(true);
    tracker.done(0, "6");
    expect(tracker.takePositions()).toEqual([]);
    tracker.done(0, "5");
    expect(tracker.takePositions()).toEqual([{ partition: 0, offset: "7" }]);
    // Taken once: nothing new until it moves again.
    expect(tracker.takePositions()).toEqual([]);
    // Offset 7 never reached the handler (dead-lettered by the bus as invalid): the order is the start order.
    tracker.done(0, "8");
    expect(tracker.takePositions()).toEqual([{ partition: 0, offset: "9" }]);
  });

  it("ignores a retry or a redelivery of an offset it has seen, and keeps partitions apart", () => {
    const tracker = new CommitTracker();
    tracker.started(0, "1");
    tracker.started(1, "1");
    expect(tracker.started(0, "1")).toBe(false);
    expect(tracker.started(0, "0")).toBe(false);
    tracker.done(1, "1");
    expect(tracker.takePositions()).toEqual([{ partition: 1, offset: "2" }]);
  });

  it("starts a forgotten partition over", () => {
    const tracker = new CommitTracker();
    tracker.started(2, "10");
    tracker.forget(2);
    tracker.done(2, "10");
    expect(tracker.takePositions()).toEqual([]);
    expect(tracker.started(2, "3")).toBe(true);
    tracker.done(2, "3");
    expect(tracker.takePositions()).toEqual([{ partition: 2, offset: "4" }]);
  });
});
