import { withDeadline } from "@tickerbell/config";

/** A chart, or why there is none: a notification goes out either way and can say so in its footer. */
export type ChartOutcome = { png: Buffer; missing: null } | { png: null; missing: string };

/**
 * Runs `make` for at most `budgetMs`. Past the budget, or when making fails, the outcome is "no chart" with the
 * reason, so a DM is never held back by its chart; `make` gets a signal that aborts at the deadline so it can
 * stop early.
 */
export async function chartWithin(
  budgetMs: number,
  make: (signal: AbortSignal) => Promise<Buffer>,
): Promise<ChartOutcome> {
  if (!Number.isFinite(budgetMs) || budgetMs < 0) {
    throw new RangeError(`a chart budget is a number of milliseconds, 0 or more, got ${budgetMs}`);
  }
  try {
    const png = await withDeadline(budgetMs, (signal) => {
      const aborted = new Promise<never>((_, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
      const made = make(signal);
      // The work may still settle after the deadline; its late failure is of no interest to anyone.
      made.catch(() => {});
      return Promise.race([made, aborted]);
    });
    return { png, missing: null };
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return { png: null, missing: `chart not ready within ${budgetMs} ms` };
    }
    return { png: null, missing: `chart failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
