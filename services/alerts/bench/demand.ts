// Demand snapshot benchmark: what the whole snapshot (GET /v1/internal/demand, read by pricing at start and every
// DEMAND_REFRESH_SECONDS) costs the alert service with BENCH_DEMAND_ALERTS active alerts (1,000,000 by default)
// over 5,000 symbols, the popular ones far more watched. Measures, on the same database in the same run:
// - paged (the service's way): the active alerts DEMAND_PAGE_ALERTS at a time in (symbol, id) order, the event
//   loop handed back between pages;
// - the baseline: one read of every active alert, as before the pages (one page holding everything);
// for each, the time to the answer and the longest the event loop was held (every other request waits that long).
// The answers are checked equal. Writes bench-results/alerts-demand.json.
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { createTestDatabase } from "@tickerbell/testkit";
import { MikroAlertRepository } from "../src/db/alert-repository.ts";
import { openOrm } from "../src/db/orm.ts";
import { AlertService, DEMAND_PAGE_ALERTS } from "../src/domain/alert-service.ts";
import { systemClock } from "../src/domain/ports.ts";

const ALERTS = Number(process.env.BENCH_DEMAND_ALERTS ?? 1_000_000);
const SYMBOLS = 5_000;
const RUNS = 3;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RESULT_FILE = join(REPO_ROOT, "bench-results/alerts-demand.json");
const log = (line: string) => console.error(`alerts-demand: ${line}`);

const loadAtStart = loadavg()[0];
const db = await createTestDatabase("tb_bench_demand");
const opened = await openOrm({ kind: "postgres", url: db.url });
try {
  const em = opened.em.fork();
  const userId = "00000000-0000-4000-8000-000000000001";
  await em.execute("insert into users (id, created_at) values (?, now())", [userId]);
  // Symbol i of 5,000 drawn with a cubic skew (S0 the most watched); a mix of price, percent and trailing alerts.
  log(`inserting ${ALERTS} active alerts over ${SYMBOLS} symbols...`);
  await em.execute(
    `insert into alerts (id, user_id, symbol, kind, condition, reference_price, threshold_upper, threshold_lower,
                         extreme, status, origin_platform, origin_chat_id, created_at, updated_at)
     select gen_random_uuid(), ?, 'S' || floor(? * power(random(), 3))::int,
            (array['price', 'percent', 'trailing'])[1 + g % 3],
            case g % 3
              when 0 then jsonb_build_object('kind', 'price', 'direction', 'above', 'target', 100 + g % 997 * 0.01)
              when 1 then jsonb_build_object('kind', 'percent', 'direction', 'down', 'percent', 1 + g % 14, 'basis', 'last')
              else jsonb_build_object('kind', 'trailing', 'direction', 'down',
                                      'offset', jsonb_build_object('unit', 'percent', 'value', 1 + g % 9))
            end,
            100,
            case g % 3 when 0 then 100 + g % 997 * 0.01 end,
            case g % 3 when 1 then 100 * (1 - (1 + g % 14) / 100.0) end,
            case g % 3 when 2 then 100 + g % 50 * 0.1 end,
            'active', 'telegram', '1', now(), now()
       from generate_series(1, ?) as g`,
    [userId, SYMBOLS, ALERTS],
  );
  await em.execute("analyze alerts");

  /** Reads the whole snapshot once; answers it with its time and the event loop's longest hold meanwhile. */
  async function measure(service: AlertService) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    const demand = await service.demand();
    const ms = performance.now() - started;
    delay.disable();
    return { demand, ms, longestHoldMs: delay.max / 1e6 };
  }

  const serviceWith = (demandPageAlerts: number) =>
    new AlertService({
      repository: new MikroAlertRepository(opened.em, opened.outboxCommits),
      clock: systemClock,
      maxOpenAlertsPerUser: 100,
      maxOpenAlertsPerCommunity: 100,
      historyDays: 90,
      demandPageAlerts,
    });
  const paged = serviceWith(DEMAND_PAGE_ALERTS);
  const oneRead = serviceWith(ALERTS + 1);

  const runs: {
    paged: { ms: number; longestHoldMs: number };
    oneRead: { ms: number; longestHoldMs: number };
  }[] = [];
  let agree = true;
  for (let run = 0; run < RUNS; run++) {
    // Alternated, so neither always reads a warmer cache.
    const first = run % 2 === 0 ? await measure(oneRead) : await measure(paged);
    const second = run % 2 === 0 ? await measure(paged) : await measure(oneRead);
    const [base, page] = run % 2 === 0 ? [first, second] : [second, first];
    agree &&= isDeepStrictEqual(base.demand, page.demand);
    runs.push({
      paged: { ms: Math.round(page.ms), longestHoldMs: Math.round(page.longestHoldMs) },
      oneRead: { ms: Math.round(base.ms), longestHoldMs: Math.round(base.longestHoldMs) },
    });
    log(
      `run ${run + 1}: paged ${Math.round(page.ms)} ms, event loop held at most ${Math.round(page.longestHoldMs)} ms; one read ${Math.round(base.ms)} ms, held at most ${Math.round(base.longestHoldMs)} ms`,
    );
  }
  if (!agree) throw new Error("the paged snapshot and the one read disagree");
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = {
    alerts: ALERTS,
    symbols: SYMBOLS,
    pageAlerts: DEMAND_PAGE_ALERTS,
    paged: {
      ms: median(runs.map((r) => r.paged.ms)),
      longestHoldMs: median(runs.map((r) => r.paged.longestHoldMs)),
    },
    oneRead: {
      ms: median(runs.map((r) => r.oneRead.ms)),
      longestHoldMs: median(runs.map((r) => r.oneRead.longestHoldMs)),
    },
    answersEqual: agree,
    heldLessThanOneRead: false,
    runs,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] },
  };
  summary.heldLessThanOneRead = summary.paged.longestHoldMs < summary.oneRead.longestHoldMs;
  console.log(
    `demand snapshot of ${ALERTS} alerts: paged ${summary.paged.ms} ms, event loop held at most ${summary.paged.longestHoldMs} ms; one read (baseline) ${summary.oneRead.ms} ms, held ${summary.oneRead.longestHoldMs} ms (medians of ${RUNS}); answers equal: ${agree}; target (held less than one read) met: ${summary.heldLessThanOneRead ? "yes" : "no"}`,
  );
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  await opened.close();
  await db.drop();
}
