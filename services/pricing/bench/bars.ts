// Benchmark: price history recording at the end-to-end bench's highest sustained trade rate. Ticks for 5,000
// symbols go into the bar recorder at a fixed rate (default 80k/s, BENCH_BAR_RATE) with their clock running 30x
// (so a 20 s run crosses ten minutes and every flush writes fresh minutes); the recorder writes to a throwaway
// PostgreSQL database every 2 s. Measured: what one offer costs on the tick path, each batch write's duration,
// and the write buffer over time: a buffer that keeps growing is a database that cannot keep up.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "@tickerbell/config";
import { createTestDatabase } from "@tickerbell/testkit";
import { openPricingDb } from "../src/db/orm.ts";
import { SqlBarStore } from "../src/db/sql-bar-store.ts";
import { BarRecorder } from "../src/domain/bar-recorder.ts";
import type { BarPart } from "../src/domain/bars.ts";
import type { BarStore } from "../src/domain/ports.ts";

const RATE = Number(process.env.BENCH_BAR_RATE ?? 80_000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 20_000);
const SYMBOLS = Array.from({ length: 5_000 }, (_, i) => `H${String(i).padStart(4, "0")}`);
const CLOCK_SPEED = 30;
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "../../../bench-results/bars.json");

const database = await createTestDatabase("tb_bars_bench");
const db = await openPricingDb({ kind: "postgres", url: database.url });
const store = new SqlBarStore(db);
const writeMs: number[] = [];
/** The store, with each batch write timed. */
const timedStore: BarStore = {
  write: async (parts: readonly BarPart[]) => {
    const started = performance.now();
    await store.write(parts);
    writeMs.push(performance.now() - started);
  },
  writeHistory: (bars, mark) => store.writeHistory(bars, mark),
  backfilledUntil: (symbol) => store.backfilledUntil(symbol),
  read: (symbol, resolution, from, to) => store.read(symbol, resolution, from, to),
  previousClose: (symbol, at) => store.previousClose(symbol, at),
  storedSpan: (symbol, resolution, before) => store.storedSpan(symbol, resolution, before),
  latestCloses: () => store.latestCloses(),
  sweep: (cutoffs) => store.sweep(cutoffs),
  close: () => store.close(),
};
const recorder = new BarRecorder({
  store: timedStore,
  log: createLogger({ service: "bars-bench", level: "warn" }),
  retention: { minuteDays: 30, dailyDays: 400 },
});
recorder.start();

const start = Date.now();
const buffered: number[] = [];
let offered = 0;
let offerNs = 0n;
let price = 100;
const sampler = setInterval(() => buffered.push(recorder.buffered), 1_000);
while (Date.now() - start < DURATION_MS) {
  // Each millisecond's share of the rate, then back to the event loop so the writes run.
  const due = Math.floor(((Date.now() - start) / 1000) * RATE);
  const ts = start + (Date.now() - start) * CLOCK_SPEED;
  const t0 = process.hrtime.bigint();
  for (; offered < due; offered++) {
    price = Math.max(1, price + (offered % 7) - 3);
    recorder.offer({
      v: 1,
      symbol: SYMBOLS[offered % SYMBOLS.length] ?? "H0000",
      price: price / 10,
      ts,
      volume: 1 + (offered % 100),
    });
  }
  offerNs += process.hrtime.bigint() - t0;
  await new Promise((resolve) => setTimeout(resolve, 1));
}
clearInterval(sampler);
const elapsed = Date.now() - start;
await recorder.stop(60_000);
const rows = await db.em.fork().execute<{ n: string }[]>("select count(*)::text as n from price_bars");
await store.close();
await database.drop();

const sorted = [...writeMs].sort((a, b) => a - b);
const pct = (p: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 10) / 10;
const half = Math.floor(buffered.length / 2);
const firstHalfMax = Math.max(0, ...buffered.slice(0, half));
const secondHalfMax = Math.max(0, ...buffered.slice(half));
const result = {
  offeredTicksPerSecond: Math.round(offered / (elapsed / 1000)),
  targetTicksPerSecond: RATE,
  symbols: SYMBOLS.length,
  offerNsPerTick: Number(offerNs / BigInt(Math.max(1, offered))),
  writes: writeMs.length,
  writeMsP50: pct(0.5),
  writeMsP99: pct(0.99),
  bufferedPerSecond: buffered,
  bufferGrowing: secondHalfMax > firstHalfMax * 1.5 + SYMBOLS.length,
  barsStored: Number(rows[0]?.n ?? 0),
  left: recorder.buffered,
};
await mkdir(dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(
  `bars bench: ${result.offeredTicksPerSecond} ticks/s offered (target ${RATE}), buffer ${result.bufferGrowing ? "GROWING: the database does not keep up" : "steady"}`,
);
if (result.bufferGrowing || result.left > 0) process.exitCode = 1;
