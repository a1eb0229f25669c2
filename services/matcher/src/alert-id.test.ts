import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readUuid, UuidSlotTable, writeUuidWords } from "./alert-id.ts";

describe("UUID words", () => {
  it("round-trip any UUID, lower-cased", () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const words = new Uint32Array(4);
        writeUuidWords(id, words, 0);
        expect(readUuid(words, 0)).toBe(id.toLowerCase());
      }),
    );
  });
});

describe("UuidSlotTable", () => {
  it("finds exactly the ids added and not deleted, through growth and backward-shift deletes", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 3000 }), fc.nat(), (ids, seed) => {
        let words = new Uint32Array(16);
        const table = new UuidSlotTable(() => words);
        const live = new Map<string, number>();
        ids.forEach((id, slot) => {
          if (words.length < (slot + 1) * 4) {
            const grown = new Uint32Array(words.length * 2);
            grown.set(words);
            words = grown;
          }
          writeUuidWords(id, words, slot * 4);
          table.add(slot);
          live.set(id, slot);
          // Delete a pseudo-random earlier id now and then.
          if ((slot * 7919 + seed) % 3 === 0) {
            const victim = ids[(slot * 31 + seed) % (slot + 1)]!;
            const victimSlot = live.get(victim);
            if (victimSlot !== undefined) {
              table.delete(victimSlot);
              live.delete(victim);
            }
          }
        });
        for (const [index, id] of ids.entries()) expect(table.find(id)).toBe(live.has(id) ? index : -1);
      }),
      { numRuns: 30 },
    );
  });
});
