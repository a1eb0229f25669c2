import { describe, expect, it } from "vitest";
import { TokenDirectory } from "./auth.ts";

describe("TokenDirectory", () => {
  const tokens = new TokenDirectory({
    discord: "discord-token-1",
    telegram: "telegram-token-1",
    internal: "internal-token-1",
  });

  it("maps each token to its platform or to the internal caller", () => {
    expect(tokens.identify("discord-token-1")).toEqual({ kind: "bot", platform: "discord" });
    expect(tokens.identify("telegram-token-1")).toEqual({ kind: "bot", platform: "telegram" });
    expect(tokens.identify("internal-token-1")).toEqual({ kind: "internal" });
  });

  it("knows no unset platform and no near miss", () => {
    expect(tokens.identify("")).toBeNull();
    expect(tokens.identify("console-token-1")).toBeNull();
    expect(tokens.identify("telegram-token-")).toBeNull();
    expect(tokens.identify("telegram-token-1 ")).toBeNull();
  });
});
