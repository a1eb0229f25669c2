import {
  type Alert,
  type AlertCondition,
  DEFAULT_RSI_PERIOD,
  type ExportedAlert,
  type ExportFile,
  TRANSFER_CSV_COLUMNS,
  TRANSFER_FORMAT_VERSION,
  type TransferCsvColumn,
} from "@tickerbell/contracts";
import { formatDuration } from "../format/format.ts";
import { writeCsv } from "./csv.ts";
import type { ReplyFile } from "./files.ts";

/** A number as the grammar reads it: plain digits (`0.000000123`, never `1.23e-7`), the same number back. */
export function plainNumber(value: number): string {
  const text = String(value);
  const exponent = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponent === null) return text;
  const digits = `${exponent[1]}${exponent[2] ?? ""}`;
  const shift = Number(exponent[3]);
  if (shift < 0) return `0.${"0".repeat(-shift - 1)}${digits}`;
  return digits.length > shift + 1
    ? `${digits.slice(0, shift + 1)}.${digits.slice(shift + 1)}`
    : digits.padEnd(shift + 1, "0");
}

/**
 * The condition in the words a user types after the ticker: `above 200`, `down 3% from close`, `trail up $5`,
 * `moves 3% within 1h`.
 */
export function conditionWords(condition: AlertCondition): string {
  switch (condition.kind) {
    case "price":
      return `${condition.direction} ${plainNumber(condition.target)}`;
    case "percent":
      return `${condition.direction} ${plainNumber(condition.percent)}%${condition.basis === "close" ? " from close" : ""}`;
    case "trailing": {
      const size =
        condition.offset.unit === "percent"
          ? `${plainNumber(condition.offset.value)}%`
          : `$${plainNumber(condition.offset.value)}`;
      return `trail ${condition.direction} ${size}`;
    }
    case "earnings":
      return "earnings";
    case "window":
      return `${condition.direction === "move" ? "moves" : condition.direction} ${plainNumber(condition.percent)}% within ${formatDuration(condition.windowSeconds)}`;
    case "extreme":
      return `${condition.span === "session" ? "new" : "52w"} ${condition.side}`;
    case "volume":
      return `volume ${plainNumber(condition.multiple)}x`;
    case "average":
      return `${condition.direction === "cross" ? "crosses" : condition.direction} ${condition.average} ${condition.period}`;
    case "rsi": {
      const period = condition.period === DEFAULT_RSI_PERIOD ? "" : ` ${condition.period}`;
      const interval = condition.interval === "1h" ? " 1h" : "";
      return `rsi${period}${interval} ${condition.direction} ${plainNumber(condition.level)}`;
    }
  }
}

export function exportedAlert(alert: Alert): ExportedAlert {
  return {
    symbol: alert.symbol,
    condition: conditionWords(alert.condition),
    repeat: alert.repeat === null ? null : formatDuration(alert.repeat.cooldownSeconds),
    expires: alert.expiresAt,
    note: alert.note,
    rth: alert.regularHoursOnly,
    urgent: alert.urgent === true,
    status: alert.status === "paused" ? "paused" : "active",
  };
}

export function exportJson(alerts: Alert[], watchlist: string[], now: Date): string {
  const file: ExportFile = {
    v: TRANSFER_FORMAT_VERSION,
    exportedAt: now.toISOString(),
    alerts: alerts.map(exportedAlert),
    watchlist,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function exportCsv(alerts: Alert[], watchlist: string[]): string {
  const row = (cells: Partial<Record<TransferCsvColumn, string>>) =>
    TRANSFER_CSV_COLUMNS.map((column) => cells[column] ?? "");
  const yes = (flag: boolean | undefined) => (flag === true ? "yes" : "");
  return writeCsv([
    [...TRANSFER_CSV_COLUMNS],
    ...alerts.map(exportedAlert).map((a) =>
      row({
        type: "alert",
        symbol: a.symbol,
        condition: a.condition,
        repeat: a.repeat ?? "",
        expires: a.expires ?? "",
        note: a.note ?? "",
        rth: yes(a.rth),
        urgent: yes(a.urgent),
        status: a.status ?? "active",
      }),
    ),
    ...watchlist.map((symbol) => row({ type: "watch", symbol })),
  ]);
}

/** The export as a file to attach: `tickerbell-2026-12-03.csv`. */
export function exportFile(
  format: "csv" | "json",
  alerts: Alert[],
  watchlist: string[],
  now: Date,
): ReplyFile {
  const text = format === "csv" ? exportCsv(alerts, watchlist) : exportJson(alerts, watchlist, now);
  return {
    name: `tickerbell-${now.toISOString().slice(0, 10)}.${format}`,
    contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/json",
    data: new TextEncoder().encode(text),
  };
}
