import { DEFAULT_TIME_ZONE, type Platform, type UserSettings } from "@tickerbell/contracts";
import { formatTime } from "../format/time.ts";
import type { SettingsChange } from "../grammar/settings.ts";
import { isQuietAt } from "../quiet/quiet-hours.ts";

/**
 * What /settings answers: what changed (if anything), then every setting as it is now and how to change it.
 * `operatorCharts`: whether this Tickerbell draws charts at all (CHARTS=on).
 */
export function describeSettings(
  settings: UserSettings,
  platform: Platform,
  change: SettingsChange | null,
  now: Date,
  operatorCharts: boolean,
): string {
  const zone = settings.timeZone ?? DEFAULT_TIME_ZONE;
  const lines: string[] = [];
  const discord = platform === "discord";
  const setZone = discord ? "/settings timezone zone:Europe/Berlin" : "/settings tz Europe/Berlin";
  const setQuiet = discord ? "/settings quiet hours:22:00-07:00" : "/settings quiet 22:00-07:00";
  const quietOff = discord ? "/settings quiet hours:off" : "/settings quiet off";
  const chartsTo = (state: "on" | "off") =>
    discord ? `/settings charts state:${state}` : `/settings charts ${state}`;
  if (change !== null && "timeZone" in change) {
    lines.push(change.timeZone === null ? "✅ Time zone reset to UTC." : `✅ Time zone set to ${zone}.`);
  } else if (change !== null && "charts" in change) {
    lines.push(
      !settings.charts
        ? "✅ Charts off: alert messages come without a chart."
        : operatorCharts
          ? "✅ Charts on: a triggered alert's message shows its price chart."
          : "✅ Charts on: they show once this Tickerbell turns charts on.",
    );
  } else if (change !== null) {
    lines.push(
      settings.quietHours === null
        ? "✅ Quiet hours off: every alert notifies at once."
        : `✅ Quiet hours set: ${settings.quietHours.start}–${settings.quietHours.end}.`,
    );
  }
  lines.push("*Your settings*");
  const localNow = formatTime(now, { kind: "zone", timeZone: zone });
  lines.push(
    settings.timeZone === null
      ? `Time zone: UTC (the default; set yours with ${setZone}). Now: ${localNow}`
      : `Time zone: ${zone}. Now: ${localNow}`,
  );
  if (discord) lines.push("Discord shows every time in your own device's time.");
  if (settings.quietHours === null) {
    lines.push(`Quiet hours: off (set with ${setQuiet})`);
  } else {
    const { start, end } = settings.quietHours;
    const state = isQuietAt(settings, now) ? " — on now" : "";
    lines.push(
      `Quiet hours: ${start}–${end} ${zone} time${state}. Firings meanwhile wait and arrive as one digest when they end; an alert set with urgent always notifies. ${quietOff} turns them off.`,
    );
  }
  const chartsLine = settings.charts
    ? `Charts: on (${chartsTo("off")} turns them off)`
    : `Charts: off (${chartsTo("on")} turns them on)`;
  // The user's choice is kept either way; it matters once the operator turns charts on.
  lines.push(
    operatorCharts || !settings.charts
      ? chartsLine
      : `${chartsLine}. This Tickerbell has charts turned off for now.`,
  );
  return lines.join("\n");
}
