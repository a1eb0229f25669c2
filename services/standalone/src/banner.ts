import type { StandaloneSummary } from "./standalone.ts";

/** What is live and what to type, shown once at start. */
export function renderBanner(summary: StandaloneSummary, logFile: string | null): string {
  const lines = [
    "",
    "🔔 Tickerbell is running",
    `   data:    ${summary.database}`,
    `   bus:     ${summary.bus}`,
    `   prices:  ${summary.prices}`,
    `   chat:    ${summary.chats.join(", ")}`,
    `   APIs:    alerts ${summary.alertsUrl}/docs · pricing ${summary.pricingUrl}/v1/market-status`,
    // For trying the alert API from its reference page: a bearer token acting as console users (`local` is you).
    `   API token: ${"value" in summary.apiToken ? summary.apiToken.value : `from ${summary.apiToken.variable}`} (X-Platform-User-Id: local)`,
  ];
  if (logFile) lines.push(`   logs:    ${logFile}`);
  if (summary.chats.includes("console chat")) {
    lines.push(
      "",
      "Type a command and press Enter. Try:",
      "   /price AAPL BINANCE:BTCUSDT OANDA:EUR_USD   (stocks, crypto and forex pairs)",
      "   /alert AAPL move 0.5%        (fires within a minute or so on the simulated feed)",
      '   /alert AAPL above 200 note "new high"',
      "   /alerts",
      "   /help",
      ...(summary.consoleLineEditing
        ? ["Tab completes commands and tickers; the up and down arrows bring back earlier lines."]
        : []),
      "Ctrl-D or /quit to stop; your alerts are kept for next time.",
      "",
    );
  } else {
    lines.push("", `Talk to your bot on ${summary.chats.join(" and ")}. Ctrl-C to stop.`, "");
  }
  return `${lines.join("\n")}\n`;
}
