import { describe, expect, it } from "vitest";
import { assignCoPartitioned, diffAssignment } from "./assignment.ts";

describe("assignCoPartitioned", () => {
  const counts = new Map([
    ["prices.ticks", 6],
    ["alerts.changes", 6],
  ]);

  it("gives each member the same partition numbers of co-partitioned topics", () => {
    const members = ["m-c", "m-a", "m-b", "m-d"].map((memberId) => ({
      memberId,
      topics: ["prices.ticks", "alerts.changes"],
    }));
    const assignment = assignCoPartitioned(members, counts);
    for (const [, owned] of assignment) {
      const ticks = owned.filter((tp) => tp.topic === "prices.ticks").map((tp) => tp.partition);
      const changes = owned.filter((tp) => tp.topic === "alerts.changes").map((tp) => tp.partition);
      expect(ticks).toEqual(changes);
    }
    const all = [...assignment.values()].flat().filter((tp) => tp.topic === "prices.ticks");
    expect(all.map((tp) => tp.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      assignment
        .get("m-a")
        ?.filter((tp) => tp.topic === "prices.ticks")
        .map((tp) => tp.partition),
    ).toEqual([0, 4]);
  });

  it("only assigns a topic to members subscribed to it", () => {
    const assignment = assignCoPartitioned(
      [
        { memberId: "a", topics: ["prices.ticks"] },
        { memberId: "b", topics: ["alerts.changes"] },
      ],
      counts,
    );
    expect(assignment.get("a")?.every((tp) => tp.topic === "prices.ticks")).toBe(true);
    expect(assignment.get("a")).toHaveLength(6);
    expect(assignment.get("b")).toHaveLength(6);
  });

  it("diffs assignments", () => {
    expect(
      diffAssignment(
        [
          { topic: "t", partition: 0 },
          { topic: "t", partition: 1 },
        ],
        [
          { topic: "t", partition: 1 },
          { topic: "t", partition: 2 },
        ],
      ),
    ).toEqual({ assigned: [{ topic: "t", partition: 2 }], revoked: [{ topic: "t", partition: 0 }] });
  });
});
