import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLASH_COMMANDS } from "../src/commands.ts";
import { newUser, type Stack, startStack } from "./harness.ts";

// Issue 14 items 5 and 6 on Discord: `/alert edit` with autocomplete over the user's own open alerts, and
// `/alert remove alert:AAPL` / `alert:all` asking with Yes/No buttons before deleting. The real discord.js client
// against the fake Discord, the real alert service on PostgreSQL.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

type Row = { components: Array<{ custom_id: string; label: string; style: number }> };
const buttonsOf = (reply: { components: unknown[] }) =>
  (reply.components as Row[]).flatMap((row) =>
    row.components.map((b) => ({ label: b.label, style: b.style, id: b.custom_id })),
  );

async function setAlerts(user: { id: string; username: string }, ticker: string, values: string[]) {
  for (const value of values) {
    const reply = await stack.fake
      .slashCommand(user, "alert price", { ticker, condition: "above", value })
      .reply();
    expect(reply.content).toMatch(/Alert set/);
  }
}

describe("/alert edit", () => {
  it("is declared with the alert to pick (autocomplete) and what to change", () => {
    const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
    const edit = alert?.options?.find((o) => o.name === "edit") as
      | { options?: Array<{ name: string; required?: boolean; autocomplete?: boolean }> }
      | undefined;
    expect(edit?.options?.map((o) => o.name)).toEqual([
      "alert",
      "level",
      "note",
      "repeat",
      "expires",
      "regular-hours-only",
      "urgent",
      "channel",
    ]);
    expect(edit?.options?.[0]).toMatchObject({ required: true, autocomplete: true });
    const registered = stack.fake.registeredCommands().find((c) => c.name === "alert") as
      | { options?: Array<{ name: string }> }
      | undefined;
    expect(registered?.options?.map((o) => o.name)).toContain("edit");
  });

  it("offers the user's own open alerts and changes the one picked in place", async () => {
    const user = newUser();
    const other = newUser();
    await setAlerts(user, "AAPL", ["2000", "3000"]);
    await setAlerts(other, "MSFT", ["9000"]);

    const choices = await stack.fake.autocomplete(user, "alert edit", { alert: "" }, "alert").choices();
    expect(choices.map((c) => c.name)).toEqual([
      expect.stringMatching(/^1\. AAPL above \$2,000\.00/),
      expect.stringMatching(/^2\. AAPL above \$3,000\.00/),
    ]);
    const typed = await stack.fake.autocomplete(user, "alert edit", { alert: "3000" }, "alert").choices();
    expect(typed.map((c) => c.name)).toEqual([expect.stringMatching(/^2\. AAPL above \$3,000\.00/)]);
    const otherChoices = await stack.fake.autocomplete(other, "alert edit", { alert: "" }, "alert").choices();
    expect(otherChoices.map((c) => c.name)).toEqual([expect.stringMatching(/MSFT/)]);

    const reply = await stack.fake
      .slashCommand(user, "alert edit", { alert: String(typed[0]?.value), level: "2500", note: "trim here" })
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(
      /^✏️ Changed: AAPL above \$2,500\.00 · “trim here”\nWas above \$3,000\.00; armed again at the new level\.\nAAPL is at \$[\d,.]+ now\.$/,
    );
    expect(buttonsOf(reply).map((b) => b.label)).toEqual(["⏸ Pause", "🗑 Delete"]);
    const edited = await stack.alerts.getAlert(user.id, String(typed[0]?.value));
    expect(edited).toMatchObject({ condition: { target: 2500 }, note: "trim here", levelsRevision: 1 });
    const unnoted = await stack.fake
      .slashCommand(user, "alert edit", { alert: String(typed[0]?.value), note: "-" })
      .reply();
    expect(unnoted.content).toBe("✏️ Changed: AAPL above $2,500.00");
    expect(await stack.alerts.getAlert(user.id, String(typed[0]?.value))).toMatchObject({ note: null });
    await stack.fake
      .slashCommand(user, "alert edit", {
        alert: String(typed[0]?.value),
        "regular-hours-only": true,
        urgent: true,
      })
      .reply();
    expect(await stack.alerts.getAlert(user.id, String(typed[0]?.value))).toMatchObject({
      regularHoursOnly: true,
      urgent: true,
      condition: { target: 2500 },
    });

    const refused = await stack.fake
      .slashCommand(user, "alert edit", { alert: "1", level: "above abc" })
      .reply();
    expect(refused.content).toBe(
      '"abc" is not a price; write it like 200 or 187.50\nExample: `/alert edit alert:1 level:above 200`',
    );
    const nothing = await stack.fake.slashCommand(user, "alert edit", { alert: "1" }).reply();
    expect(nothing.content).toMatch(/^What should change\?/);
  });
});

describe("bulk remove, pause and resume", () => {
  it("asks before removing a ticker's alerts, with Yes/No buttons, and removes them on Yes", async () => {
    const user = newUser();
    await setAlerts(user, "AAPL", ["2000", "3000"]);
    await setAlerts(user, "MSFT", ["9000"]);
    const choices = await stack.fake.autocomplete(user, "alert remove", { alert: "" }, "alert").choices();
    expect(choices[0]).toEqual({ name: "Delete all 3 of them", value: "all" });
    const typed = await stack.fake.autocomplete(user, "alert remove", { alert: "aapl" }, "alert").choices();
    expect(typed.map((c) => c.name)).toEqual([
      "Delete all 2 AAPL alerts",
      expect.stringMatching(/^1\. AAPL above \$2,000\.00/),
      expect.stringMatching(/^2\. AAPL above \$3,000\.00/),
    ]);
    expect(typed[0]?.value).toBe("AAPL");

    const ask = await stack.fake.slashCommand(user, "alert remove", { alert: "AAPL" }).reply();
    expect(ask.content).toBe("**Delete all 2 AAPL alerts?**\n• AAPL above $2,000.00\n• AAPL above $3,000.00");
    const [yes, no] = buttonsOf(ask);
    expect([yes?.label, no?.label]).toEqual(["🗑 Yes, delete 2", "No, keep them"]);
    // Red for the destructive one.
    expect([yes?.style, no?.style]).toEqual([4, 2]);
    expect((await stack.alerts.listAlerts(user.id, { status: "open" })).length).toBe(3);

    const kept = await stack.fake.pressButton(user, ask, no!.id).reply();
    expect(kept.content).toBe("Kept your 2 AAPL alerts; nothing was deleted.");
    const deleted = await stack.fake.pressButton(user, ask, yes!.id).reply();
    expect(deleted.content).toMatch(/^🗑 Deleted 2 AAPL alerts\./);
    const open = await stack.alerts.listAlerts(user.id, { status: "open" });
    expect(open.map((a) => a.symbol)).toEqual(["MSFT"]);
  });

  it("pauses and resumes all of them at once", async () => {
    const user = newUser();
    await setAlerts(user, "AAPL", ["2000", "3000"]);
    const paused = await stack.fake.slashCommand(user, "alert pause", { alert: "all" }).reply();
    expect(paused.content).toMatch(/^⏸ Paused 2 alerts\./);
    expect(buttonsOf(paused).map((b) => b.label)).toEqual(["▶ Resume all"]);
    expect((await stack.alerts.listAlerts(user.id, { status: "paused" })).length).toBe(2);
    const resumed = await stack.fake.pressButton(user, paused, buttonsOf(paused)[0]!.id).reply();
    expect(resumed.content).toMatch(/^▶ Resumed 2 alerts\./);
    expect((await stack.alerts.listAlerts(user.id, { status: "active" })).length).toBe(2);
  });
});
