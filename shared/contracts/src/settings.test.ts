import { describe, expect, it } from "vitest";
import { DEFAULT_USER_SETTINGS, UpdateSettingsRequestSchema, UserSettingsSchema } from "./settings.ts";

describe("UserSettingsSchema", () => {
  it("reads settings without charts (an alert service from before the setting) as charts on", () => {
    expect(UserSettingsSchema.parse({ timeZone: null, quietHours: null })).toEqual(DEFAULT_USER_SETTINGS);
    expect(DEFAULT_USER_SETTINGS.charts).toBe(true);
    expect(UserSettingsSchema.parse({ timeZone: null, quietHours: null, charts: false }).charts).toBe(false);
  });
});

describe("UpdateSettingsRequestSchema", () => {
  it("takes charts on its own, and says charts is one of the things to change", () => {
    expect(UpdateSettingsRequestSchema.parse({ charts: false })).toEqual({ charts: false });
    const nothing = UpdateSettingsRequestSchema.safeParse({});
    expect(nothing.error?.issues[0]?.message).toBe("nothing to change: give timeZone, quietHours or charts");
    const word = UpdateSettingsRequestSchema.safeParse({ charts: "off" });
    expect(word.error?.issues[0]?.message).toBe("charts is true or false");
  });
});
