import { canonicalTimeZone, clockTimeOfMinutes, type QuietHours } from "@tickerbell/contracts";

/** `/settings`, `/settings tz Europe/Berlin`, `/settings quiet 22:00-07:00`, `/settings quiet off`, `/settings charts off`. */
export type SettingsChange =
  | { timeZone: string | null }
  | { quietHours: QuietHours | null }
  | { charts: boolean };

export type SettingsParse =
  | { ok: true; change: SettingsChange | null }
  | { ok: false; message: string; example: string };

const ZONE_WORDS = new Set(["tz", "timezone", "time-zone", "zone"]);
const QUIET_WORDS = new Set(["quiet", "quiet-hours", "quiethours", "dnd"]);
const OFF_WORDS = new Set(["off", "none", "no", "disable", "disabled", "reset"]);
const CHARTS_WORDS = new Set(["charts", "chart"]);
// No "reset" or "none" here: charts' default is on, so those would read either way.
const CHARTS_ON = new Set(["on", "yes", "enable", "enabled", "show"]);
const CHARTS_OFF = new Set(["off", "no", "disable", "disabled", "hide"]);

/** The words after `/settings`. Zones are checked against the platform's zone database; times on a 24-hour clock. */
export function parseSettingsArgs(args: readonly string[]): SettingsParse {
  const [what, ...rest] = args;
  if (what === undefined) return { ok: true, change: null };
  const key = what.toLowerCase();
  if (key === "time" && rest[0]?.toLowerCase() === "zone") return parseZone(rest.slice(1));
  if (ZONE_WORDS.has(key)) return parseZone(rest);
  if (QUIET_WORDS.has(key)) return parseQuiet(rest);
  if (CHARTS_WORDS.has(key)) return parseCharts(rest);
  return {
    ok: false,
    message: `I can change your time zone (tz), quiet hours (quiet) or charts (charts), not "${what.slice(0, 40)}".`,
    example: "/settings tz Europe/Berlin",
  };
}

function parseZone(words: readonly string[]): SettingsParse {
  const example = "/settings tz Europe/Berlin";
  if (words.length === 0) return { ok: false, message: "Which time zone? Give its IANA name.", example };
  if (words.length > 1) {
    return {
      ok: false,
      message: "A time zone is one word, like America/New_York (underscores for spaces).",
      example,
    };
  }
  const typed = words[0]!;
  if (OFF_WORDS.has(typed.toLowerCase())) return { ok: true, change: { timeZone: null } };
  const zone = canonicalTimeZone(typed);
  if (zone !== null) return { ok: true, change: { timeZone: zone } };
  const close = closeTimeZones(typed);
  return {
    ok: false,
    message: `"${typed.slice(0, 64)}" is not a time zone I know.${close.length > 0 ? ` Did you mean ${close.join(", ")}?` : " Use an IANA name like Europe/Berlin or America/New_York."}`,
    example: close.length > 0 ? `/settings tz ${close[0]}` : example,
  };
}

function parseQuiet(words: readonly string[]): SettingsParse {
  const example = "/settings quiet 22:00-07:00";
  const text = words.join(" ").trim().toLowerCase();
  if (text === "") return { ok: false, message: "Quiet from when to when? Or say off.", example };
  if (OFF_WORDS.has(text)) return { ok: true, change: { quietHours: null } };
  const match = /^(\S+?)\s*(?:-|–|—|to|until)\s*(\S+)$/.exec(text) ?? /^(\S+)\s+(\S+)$/.exec(text);
  const start = match ? readClock(match[1]!) : null;
  const end = match ? readClock(match[2]!) : null;
  if (start === null || end === null) {
    return {
      ok: false,
      message: `Give quiet hours as two times on a 24-hour clock, like 22:00-07:00 (or off), not "${words.join(" ").slice(0, 40)}".`,
      example,
    };
  }
  if (start === end)
    return { ok: false, message: "Quiet hours must start and end at different times.", example };
  return {
    ok: true,
    change: { quietHours: { start: clockTimeOfMinutes(start), end: clockTimeOfMinutes(end) } },
  };
}

/** Whether a triggered alert's DM carries its chart: on or off. */
function parseCharts(words: readonly string[]): SettingsParse {
  const example = "/settings charts off";
  const typed = words.join(" ").trim();
  if (typed === "") return { ok: false, message: "Charts on or off?", example };
  const word = typed.toLowerCase();
  if (CHARTS_ON.has(word)) return { ok: true, change: { charts: true } };
  if (CHARTS_OFF.has(word)) return { ok: true, change: { charts: false } };
  return { ok: false, message: `Charts are on or off, not "${typed.slice(0, 40)}".`, example };
}

/** `22:00`, `7:30`, `22`, `7` → minutes after midnight; null when it is no time of day. */
function readClock(word: string): number | null {
  const m = /^(\d{1,2})(?:[:.h](\d{2}))?$/.exec(word);
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = m[2] === undefined ? 0 : Number(m[2]);
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

let zoneNames: string[] | undefined;

/** Up to three zones whose name (or its city part) is within a few edits of `typed`, closest first. */
export function closeTimeZones(typed: string): string[] {
  zoneNames ??= [...Intl.supportedValuesOf("timeZone"), "UTC"];
  const wanted = typed.toLowerCase().replace(/ /g, "_");
  if (wanted.length < 2 || wanted.length > 64) return [];
  const scored: { zone: string; distance: number }[] = [];
  for (const zone of zoneNames) {
    const name = zone.toLowerCase();
    const city = name.slice(name.lastIndexOf("/") + 1);
    const distance = Math.min(editDistance(wanted, name), editDistance(wanted, city));
    if (distance <= Math.max(1, Math.floor(wanted.length / 4))) scored.push({ zone, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.zone.localeCompare(b.zone));
  return scored.slice(0, 3).map((s) => s.zone);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
