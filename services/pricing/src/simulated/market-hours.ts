const NEW_YORK = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

export type UsSession = "pre-market" | "regular" | "post-market" | null;

/**
 * The US equity session at an instant, from New York wall-clock time: pre-market 04:00-09:30, regular
 * 09:30-16:00, post-market 16:00-20:00, weekdays. Exchange holidays are not modelled.
 */
export function usSessionAt(epochMs: number): UsSession {
  const parts = NEW_YORK.formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = get("weekday");
  if (weekday === "Sat" || weekday === "Sun") return null;
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  if (minutes >= 4 * 60 && minutes < 9 * 60 + 30) return "pre-market";
  if (minutes >= 9 * 60 + 30 && minutes < 16 * 60) return "regular";
  if (minutes >= 16 * 60 && minutes < 20 * 60) return "post-market";
  return null;
}
