import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { Bar, BarResolution } from "@tickerbell/contracts";
import { type BarPart, mergeAll, rollUpDaily, tradingDay, tradingDayBounds } from "../domain/bars.ts";
import type { BackfillMark, BarStore } from "../domain/ports.ts";
import type { OpenedPricingDb } from "./orm.ts";

const RECORD_COLUMNS = `r(symbol text, resolution text, t bigint, o float8, h float8, l float8, c float8,
                           v float8, n int, open_ts bigint, close_ts bigint)`;

/** Merging a part into a stored bar, the way mergeBarParts does: earliest open, latest close, extremes, sums. */
const MERGE = `
  o = case when excluded.open_ts < price_bars.open_ts then excluded.o else price_bars.o end,
  open_ts = least(price_bars.open_ts, excluded.open_ts),
  h = greatest(price_bars.h, excluded.h),
  l = least(price_bars.l, excluded.l),
  c = case when excluded.close_ts >= price_bars.close_ts then excluded.c else price_bars.c end,
  close_ts = greatest(price_bars.close_ts, excluded.close_ts),
  v = price_bars.v + excluded.v,
  n = price_bars.n + excluded.n`;

/** Bars of history written per statement: some tens of milliseconds of PGlite's time each. */
const HISTORY_BATCH_BARS = 1000;

interface BarRow {
  t: string | number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
}

/** Price history in PostgreSQL (or PGlite), in plain SQL: one table, upserts per (symbol, resolution, t). */
export class SqlBarStore implements BarStore {
  readonly #em: SqlEntityManager;
  readonly #close: () => Promise<void>;

  constructor(db: OpenedPricingDb) {
    this.#em = db.em;
    this.#close = db.close;
  }

  async write(parts: readonly BarPart[]): Promise<void> {
    // One statement may not touch a row twice: parts of the same minute are merged first.
    const minutes = mergeAll(parts.filter((p) => p.resolution === "1m"));
    if (minutes.length === 0) return;
    // The parts are exact pieces of their days too: merged into the daily bars the same way, a write costs
    // what it carries, however many minutes the day already has.
    const withDays = [...minutes, ...rollUpDaily(minutes)];
    await this.#em.fork().execute(
      `insert into price_bars (symbol, resolution, t, o, h, l, c, v, n, open_ts, close_ts)
       select * from jsonb_to_recordset(?::jsonb) as ${RECORD_COLUMNS}
       on conflict (symbol, resolution, t) do update set ${MERGE}`,
      [JSON.stringify(withDays.map(toRecord))],
    );
  }

  /**
   * In batches, handing the event loop back between them: on PGlite the database runs in this process, and a
   * back-fill's 14,000 minutes in one statement held every other request (a bot's reply, in the standalone) for
   * seconds. Each batch stands alone: the insert keeps what is stored, and a day is rolled up again from all its
   * stored minutes, so a day split over two batches comes out whole.
   */
  async writeHistory(bars: readonly BarPart[], mark?: BackfillMark): Promise<void> {
    const unique = mergeAll(bars);
    for (let from = 0; from < unique.length; from += HISTORY_BATCH_BARS) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = unique.slice(from, from + HISTORY_BATCH_BARS);
      await this.#em.fork().transactional(async (em) => {
        await em.execute(
          `insert into price_bars (symbol, resolution, t, o, h, l, c, v, n, open_ts, close_ts)
           select * from jsonb_to_recordset(?::jsonb) as ${RECORD_COLUMNS}
           on conflict (symbol, resolution, t) do nothing`,
          [JSON.stringify(batch.map(toRecord))],
        );
        await rollUpDays(
          em,
          batch.filter((b) => b.resolution === "1m"),
        );
      });
    }
    // After every batch: a write cut short leaves the mark where it was, and the next back-fill asks again.
    if (mark)
      await this.#em.fork().execute(
        `insert into price_history_marks (symbol, backfilled_until) values (?, ?)
         on conflict (symbol) do update
           set backfilled_until = greatest(price_history_marks.backfilled_until, excluded.backfilled_until)`,
        [mark.symbol, mark.backfilledUntil],
      );
  }

  async backfilledUntil(symbol: string): Promise<number | null> {
    const rows = await this.#em
      .fork()
      .execute<{ backfilled_until: string | number }[]>(
        "select backfilled_until from price_history_marks where symbol = ?",
        [symbol],
      );
    return rows[0] === undefined ? null : Number(rows[0].backfilled_until);
  }

  async read(symbol: string, resolution: BarResolution, from: number, to: number): Promise<Bar[]> {
    const rows = await this.#em.fork().execute<BarRow[]>(
      `select t, o, h, l, c, v, n from price_bars
        where symbol = ? and resolution = ? and t >= ? and t < ?
        order by t`,
      [symbol, resolution, from, to],
    );
    return rows.map((r) => ({ t: Number(r.t), o: r.o, h: r.h, l: r.l, c: r.c, v: r.v, n: r.n }));
  }

  async previousClose(symbol: string, at: number): Promise<number | null> {
    const rows = await this.#em
      .fork()
      .execute<{ c: number }[]>(
        `select c from price_bars where symbol = ? and resolution = '1d' and t < ? order by t desc limit 1`,
        [symbol, tradingDay(symbol, at)],
      );
    return rows[0]?.c ?? null;
  }

  async storedSpan(
    symbol: string,
    resolution: BarResolution,
    before = Number.MAX_SAFE_INTEGER,
  ): Promise<{ first: number; last: number } | null> {
    const rows = await this.#em
      .fork()
      .execute<{ first: string | number | null; last: string | number | null }[]>(
        `select min(t) as "first", max(t) as "last" from price_bars where symbol = ? and resolution = ? and t < ?`,
        [symbol, resolution, Math.min(before, Number.MAX_SAFE_INTEGER)],
      );
    const row = rows[0];
    return row?.first == null || row.last == null
      ? null
      : { first: Number(row.first), last: Number(row.last) };
  }

  async latestCloses(): Promise<Map<string, number>> {
    // The symbols found by skipping along the primary key (a scan of every bar would read months of minutes),
    // then each one's newest minute, or newest day, from the same index.
    const rows = await this.#em.fork().execute<{ symbol: string; c: number | null }[]>(
      `with recursive symbols(symbol) as (
         (select symbol from price_bars order by symbol limit 1)
         union all
         select (select p.symbol from price_bars p where p.symbol > s.symbol order by p.symbol limit 1)
           from symbols s where s.symbol is not null
       )
       select s.symbol, coalesce(
         (select c from price_bars b where b.symbol = s.symbol and b.resolution = '1m' order by b.t desc limit 1),
         (select c from price_bars b where b.symbol = s.symbol and b.resolution = '1d' order by b.t desc limit 1)
       ) as c
       from symbols s where s.symbol is not null`,
    );
    return new Map(rows.filter((r) => r.c !== null).map((r) => [r.symbol, Number(r.c)]));
  }

  async sweep(cutoffs: {
    minuteBefore: number;
    dailyBefore: number;
  }): Promise<{ minute: number; daily: number }> {
    const em = this.#em.fork();
    const minute = await em.execute<{ n: number }[]>(
      `with gone as (delete from price_bars where resolution = '1m' and t < ? returning 1)
       select count(*)::int as n from gone`,
      [cutoffs.minuteBefore],
    );
    const daily = await em.execute<{ n: number }[]>(
      `with gone as (delete from price_bars where resolution = '1d' and t < ? returning 1)
       select count(*)::int as n from gone`,
      [cutoffs.dailyBefore],
    );
    return { minute: minute[0]?.n ?? 0, daily: daily[0]?.n ?? 0 };
  }

  close(): Promise<void> {
    return this.#close();
  }
}

/**
 * Rebuilds the daily bar of every (symbol, trading day) these back-filled minutes fall in from all that day's
 * stored minute bars (history is not a delta to merge: a minute already stored was kept, not added to).
 */
async function rollUpDays(em: SqlEntityManager, minutes: readonly BarPart[]): Promise<void> {
  const days = new Map<string, { symbol: string; day: number; start: number; end: number }>();
  for (const m of minutes) {
    const day = tradingDay(m.symbol, m.t);
    const key = `${m.symbol} ${day}`;
    if (!days.has(key)) days.set(key, { symbol: m.symbol, day, ...tradingDayBounds(m.symbol, day) });
  }
  if (days.size === 0) return;
  await em.execute(
    `insert into price_bars (symbol, resolution, t, o, h, l, c, v, n, open_ts, close_ts)
     select d.symbol, '1d', d.day,
            (array_agg(m.o order by m.open_ts, m.t))[1], max(m.h), min(m.l),
            (array_agg(m.c order by m.close_ts desc, m.t desc))[1], sum(m.v), sum(m.n),
            min(m.open_ts), max(m.close_ts)
       from jsonb_to_recordset(?::jsonb) as d(symbol text, day bigint, start bigint, "end" bigint)
       join price_bars m on m.symbol = d.symbol and m.resolution = '1m' and m.t >= d.start and m.t < d."end"
      group by d.symbol, d.day
     on conflict (symbol, resolution, t) do update set
       o = excluded.o, h = excluded.h, l = excluded.l, c = excluded.c, v = excluded.v, n = excluded.n,
       open_ts = excluded.open_ts, close_ts = excluded.close_ts`,
    [JSON.stringify([...days.values()])],
  );
}

function toRecord(p: BarPart) {
  return {
    symbol: p.symbol,
    resolution: p.resolution,
    t: p.t,
    o: p.o,
    h: p.h,
    l: p.l,
    c: p.c,
    v: p.v,
    n: p.n,
    open_ts: p.openTs,
    close_ts: p.closeTs,
  };
}
