import { describe, expect, it } from "vitest";
import { DiscordHttpError } from "./errors.ts";
import { assertValidCommands, assertValidMessageBody } from "./validation.ts";

function problem(run: () => void): DiscordHttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof DiscordHttpError) return error;
    throw error;
  }
  throw new Error("expected a DiscordHttpError");
}

describe("validation", () => {
  it("refuses an empty message with 50006 and oversized parts with 50035 naming the field", () => {
    expect(problem(() => assertValidMessageBody({}, true)).body.code).toBe(50006);
    expect(() => assertValidMessageBody({ content: "edited" }, false)).not.toThrow();
    const error = problem(() =>
      assertValidMessageBody({ embeds: [{ fields: [{ name: "n", value: "v".repeat(1025) }] }] }, true),
    );
    expect(error.body).toMatchObject({
      code: 50035,
      errors: {
        embeds: { 0: { fields: { 0: { value: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH" }] } } } } },
      },
    });
  });

  it("refuses required options after optional ones, and autocomplete with choices", () => {
    const command = {
      name: "alert",
      description: "d",
      options: [
        { type: 3, name: "note", description: "d" },
        { type: 3, name: "ticker", description: "d", required: true },
        { type: 3, name: "when", description: "d", autocomplete: true, choices: [{ name: "a", value: "a" }] },
      ],
    };
    const error = problem(() => assertValidCommands([command]));
    expect(error.body.errors).toMatchObject({
      0: { options: { 1: { required: expect.any(Object) }, 2: { autocomplete: expect.any(Object) } } },
    });
    expect(() =>
      assertValidCommands([
        {
          name: "alert",
          description: "d",
          options: [{ type: 3, name: "ticker", description: "d", required: true }],
        },
      ]),
    ).not.toThrow();
  });
});
