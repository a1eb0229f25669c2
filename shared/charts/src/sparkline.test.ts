import { describe, expect, it } from "vitest";
import { sparkline } from "./sparkline.ts";

describe("sparkline", () => {
  it("maps the lowest close to ▁ and the highest to █, one block a bar", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([10, 5, 10])).toBe("█▁█");
  });

  it("draws a flat line in the middle and nothing for no bars", () => {
    expect(sparkline([3, 3, 3])).toBe("▄▄▄");
    expect(sparkline([])).toBe("");
  });

  it("fits many bars into the width, keeping each stretch's last close", () => {
    const closes = Array.from({ length: 100 }, (_, i) => i);
    const line = sparkline(closes, 10);
    expect([...line]).toHaveLength(10);
    expect(line.startsWith("▁")).toBe(true);
    expect(line.endsWith("█")).toBe(true);
  });

  it("takes bars as well as closes", () => {
    const bar = (c: number) => ({ t: 0, o: c, h: c, l: c, c, v: 0, n: 1 });
    expect(sparkline([bar(1), bar(8)])).toBe("▁█");
  });

  it("refuses a width below one", () => {
    expect(() => sparkline([1, 2], 0)).toThrow("a sparkline is at least 1 character wide, got 0");
  });
});
