// Which study (computed by the pricing service from recorded bars, sent on the symbol's ticks) an alert reads,
// and the few formulas the rule book, the matcher's index and the tests share so they agree bit for bit.
import type {
  AlertCondition,
  AverageCondition,
  RsiCondition,
  StudyKey,
  TickStudies,
  VolumeCondition,
  VolumeStudy,
} from "@tickerbell/contracts";
import { hasVolume } from "./asset-class.ts";

/** The study a volume or indicator alert watches (`volume`, `sma50`, `rsi14:1h`); null for the other kinds. */
export function studyKeyOf(condition: AlertCondition): StudyKey | null {
  switch (condition.kind) {
    case "volume":
      return "volume";
    case "average":
      return `${condition.average}${condition.period}`;
    case "rsi":
      return `rsi${condition.period}:${condition.interval}`;
    default:
      return null;
  }
}

/** The kinds that fire on a study's value rather than on a price level alone. */
export type StudyCondition = VolumeCondition | AverageCondition | RsiCondition;

export function isStudyCondition(condition: AlertCondition): condition is StudyCondition {
  return condition.kind === "volume" || condition.kind === "average" || condition.kind === "rsi";
}

/**
 * How far (in RSI points) the index must come back from a repeating RSI alert's level before it can fire again:
 * `rsi above 70` re-arms at or below 65 after its cooldown, `rsi below 30` at or above 35.
 */
export const RSI_BAND_POINTS = 5;

/** Where an awaiting RSI alert re-arms: the RSI at or below this (`above`), at or above it (`below`). */
export function rsiRearmLevel(direction: RsiCondition["direction"], level: number): number {
  return direction === "above" ? level - RSI_BAND_POINTS : level + RSI_BAND_POINTS;
}

/** Whether today's volume so far reached `multiple` times the typical volume by this time of day. */
export function volumeReached(multiple: number, volume: VolumeStudy): boolean {
  return volume.today >= multiple * volume.typical;
}

/** The value a study alert reads from a tick (today's volume with the typical one for volume); null: absent. */
export function studyReadingOf(
  condition: StudyCondition,
  studies: TickStudies | undefined,
): { key: StudyKey; value: number; typical?: number } | null {
  if (studies === undefined) return null;
  if (condition.kind === "volume") {
    const volume = studies.volume;
    return volume === undefined ? null : { key: "volume", value: volume.today, typical: volume.typical };
  }
  const key = studyKeyOf(condition)!;
  const value = studies.values?.[key];
  return value === undefined ? null : { key, value };
}

/** The words for a study in replies and refusals: `SMA 50`, `EMA 200`, `RSI 14 (1h)`, `volume`. */
export function studyWords(condition: StudyCondition): string {
  switch (condition.kind) {
    case "volume":
      return "volume";
    case "average":
      return `${condition.average.toUpperCase()} ${condition.period}`;
    case "rsi":
      return `RSI ${condition.period}${condition.interval === "1h" ? " (1h)" : ""}`;
  }
}

/** Why a volume alert cannot be set on the symbol, or null when it can: currency pairs report no traded volume. */
export function volumeRefusal(symbol: string): string | null {
  if (hasVolume(symbol)) return null;
  return `${symbol} is forex: currency pairs report no traded volume, so a volume alert cannot be set on it.`;
}
