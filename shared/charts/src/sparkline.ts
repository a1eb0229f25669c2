import type { Bar } from "@tickerbell/contracts";

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/**
 * One line of block characters for a console: the lowest close ▁, the highest █. More bars than `width` are
 * taken in equal stretches, each drawn by its last close (where the price ended up).
 */
export function sparkline(bars: readonly (Bar | number)[], width = 40): string {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`a sparkline is at least 1 character wide, got ${width}`);
  }
  const closes = bars.map((bar) => (typeof bar === "number" ? bar : bar.c));
  const sampled =
    closes.length <= width
      ? closes
      : Array.from({ length: width }, (_, i) => closes[Math.ceil(((i + 1) * closes.length) / width) - 1]!);
  if (sampled.length === 0) return "";
  const low = Math.min(...sampled);
  const high = Math.max(...sampled);
  if (high === low) return BLOCKS[3].repeat(sampled.length);
  const top = BLOCKS.length - 1;
  return sampled.map((close) => BLOCKS[Math.round(((close - low) / (high - low)) * top)]).join("");
}
