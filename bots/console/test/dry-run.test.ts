import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipeChat, startWorld, type World } from "./world.ts";

// A new alert's dry run past its budget on the console, as in `npm start`: the first alert on a symbol asks for
// bars while its history is back-filled into PGlite. The confirmation is printed at once; the line follows on its
// own once the bars are in, under the alert it is about.
let world: World;

beforeAll(async () => {
  // A budget no bar request is answered within.
  world = await startWorld({ dryRunBudgetMs: 1 });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe("the dry run past its budget on the console", () => {
  it("prints the confirmation at once and the line after it when the bars come", async () => {
    const { input, chat, printed: output } = pipeChat(world, "dry-run-late");
    input.write("/alert AAPL above 100000\n");
    const deadline = Date.now() + 120_000;
    while (!/would (not )?have fired/.test(output()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const [confirmation, after] = output().split(/\n(?=\n?✅ AAPL above)/);
    expect(confirmation).toMatch(
      /✅ Alert set: AAPL above \$100,000\.00[^\n]*\nAAPL is at \$[\d,.]+ now\.\n> $/,
    );
    // The simulated history never came near 100,000. Printed on its own, the line names its alert.
    expect(after).toMatch(
      /^✅ AAPL above \$100,000\.00\n {3}It would not have fired in the (last 30 days|\d+ days? recorded)(, judged from daily highs and lows)?\.\n> $/,
    );
    input.end();
    await chat.closed;
  }, 150_000);
});
