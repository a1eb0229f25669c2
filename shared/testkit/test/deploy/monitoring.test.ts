// The monitoring of docker-compose.yml (profile monitoring) and k8s/overlays/prod: every metric a dashboard
// query or an alert rule names is one the code exports, with labels it carries; the rules pass promtool's
// checks and its rule unit tests (each alert fires in its situation and stays quiet in the look-alike one);
// the dashboard follows Grafana's JSON model and uses the provisioned datasource; Prometheus scrapes every
// deployable.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseCompose } from "../../src/deploy/compose.ts";
import {
  checkGrafanaDashboard,
  dashboardExpressions,
  exportedMetrics,
  promqlNames,
  promtool,
  promtoolAvailable,
  unknownNames,
} from "../../src/deploy/monitoring.ts";
import { DEPLOYABLES } from "../../src/deploy/workspaces.ts";
import { REPO_ROOT, repoFile } from "./repo.ts";

const MONITORING = join(REPO_ROOT, "shared/monitoring");
const RULES_FILE = join(MONITORING, "prometheus/rules.yml");
const exported = exportedMetrics(REPO_ROOT);

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(repoFile("shared/monitoring/prometheus/rules.yml")) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const dashboardText = () => repoFile("shared/monitoring/grafana/dashboards/tickerbell.json");
const datasources = (
  parse(repoFile("shared/monitoring/grafana/provisioning/datasources/prometheus.yml")) as {
    datasources: { uid: string; type: string; url: string }[];
  }
).datasources;

describe("the metrics the code exports", () => {
  it("are found in the prom-client constructors, with their type and labels", () => {
    expect(exported.get("tickerbell_bus_consumer_lag")).toMatchObject({
      type: "Gauge",
      labels: ["topic", "partition", "group"],
    });
    expect(exported.get("tickerbell_bot_dms_total")?.labels).toEqual(["platform", "outcome"]);
    expect(exported.get("tickerbell_trade_to_dm_seconds")?.type).toBe("Histogram");
    // A name given through a constant.
    expect(exported.get("alerts_runtime_applied_total")?.file).toBe(
      "services/alerts/src/runtime-consumer.ts",
    );
  });
});

describe("PromQL names", () => {
  it("are read from matchers, groupings and calls, not from functions, keywords, strings or durations", () => {
    expect(
      promqlNames(
        'histogram_quantile(0.99, sum by (le, platform) (rate(a_bucket{outcome="sent",x=~"a|b"}[$__rate_interval]))) > 1 and on (instance) b offset 5m',
      ),
    ).toEqual({ metrics: ["a_bucket", "b"], labels: ["outcome", "x", "le", "platform", "instance"] });
  });

  it("catch a misspelled metric and a label the metric does not carry", () => {
    expect(unknownNames("sum by (platform) (rate(tickerbell_bot_dm_total[5m]))", exported)).toContain(
      "metric tickerbell_bot_dm_total is not exported by any service",
    );
    expect(unknownNames('sum(tickerbell_outbox_pending_rows{platform="telegram"})', exported)).toEqual([
      "label platform is on none of tickerbell_outbox_pending_rows",
    ]);
    expect(unknownNames("sum by (le) (rate(tickerbell_trade_to_dm_seconds_bucket[5m]))", exported)).toEqual(
      [],
    );
  });
});

describe("the alert rules (shared/monitoring/prometheus/rules.yml)", () => {
  it("cover lag growing (and a stalled consumer), dead letters, Finnhub disconnected and a stuck outbox", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      "TickerbellConsumerLagGrowing",
      "TickerbellConsumerStalled",
      "TickerbellDeadLetters",
      "TickerbellFinnhubDisconnected",
      "TickerbellOutboxStuck",
    ]);
  });

  it.each(rules.map((r) => [r.alert, r.expr]))(
    "%s names only exported metrics and their labels",
    (_, expr) => {
      expect(unknownNames(expr, exported)).toEqual([]);
    },
  );
});

describe("the Grafana dashboard (shared/monitoring/grafana/dashboards/tickerbell.json)", () => {
  const dashboard = () => JSON.parse(dashboardText()) as Record<string, unknown>;
  const uids = datasources.filter((d) => d.type === "prometheus").map((d) => d.uid);

  it("follows Grafana's dashboard model with the provisioned Prometheus datasource", () => {
    expect(datasources).toEqual([
      expect.objectContaining({ type: "prometheus", url: "http://prometheus:9090" }),
    ]);
    expect(checkGrafanaDashboard(dashboard(), uids)).toEqual([]);
  });

  it.each(dashboardExpressions(JSON.parse(dashboardText())).map((e) => [e.where, e.expr]))(
    "%s names only exported metrics and their labels",
    (_, expr) => {
      expect(unknownNames(expr, exported)).toEqual([]);
    },
  );

  it("shows ticks, matcher lag, firings, DMs per platform, trade-to-DM latency, outbox, dead letters and Finnhub", () => {
    const named = new Set(dashboardExpressions(dashboard()).flatMap((e) => promqlNames(e.expr).metrics));
    for (const metric of [
      "pricing_ticks_received_total",
      "tickerbell_matcher_ticks_total",
      "tickerbell_bus_consumer_lag",
      "tickerbell_matcher_notifications_total",
      "tickerbell_bot_dms_total",
      "tickerbell_trade_to_dm_seconds_bucket",
      "tickerbell_outbox_pending_rows",
      "tickerbell_bus_dead_lettered_messages_total",
      "pricing_finnhub_socket_connected",
    ])
      expect(named, metric).toContain(metric);
    const heatmap = (
      dashboard().panels as { type: string; targets: { expr: string; format?: string }[] }[]
    ).find((p) => p.type === "heatmap");
    expect(heatmap?.targets[0]).toMatchObject({ format: "heatmap" });
    expect(heatmap?.targets[0]?.expr).toContain("tickerbell_trade_to_dm_seconds_bucket");
  });

  it("the checks catch a duplicate id, another datasource, a missing refId and an unknown panel type", () => {
    const d = dashboard() as { panels: Record<string, unknown>[] };
    d.panels[1]!.id = d.panels[0]!.id;
    d.panels[2]!.datasource = { type: "prometheus", uid: "mimir" };
    (d.panels[3]!.targets as Record<string, unknown>[])[0]!.refId = undefined;
    d.panels[4]!.type = "graph-old";
    const problems = checkGrafanaDashboard(d, uids);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: id is not unique$/),
        expect.stringMatching(
          /datasource \{"type":"prometheus","uid":"mimir"\} is not the provisioned Prometheus$/,
        ),
        expect.stringMatching(/targets need unique refIds$/),
        expect.stringMatching(/type graph-old is not a built-in panel$/),
      ]),
    );
  });
});

describe("docker-compose.yml monitoring profile", () => {
  const compose = parseCompose(repoFile("docker-compose.yml"));
  const scrape = parse(repoFile("shared/monitoring/prometheus/prometheus.yml")) as {
    rule_files: string[];
    scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
  };

  it("Prometheus scrapes every deployable on its compose port and loads the rules", () => {
    const targets = scrape.scrape_configs.flatMap((c) =>
      c.dns_sd_configs.flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
    );
    expect(targets.sort()).toEqual(DEPLOYABLES.map((d) => `${d.service}:${d.port}`).sort());
    expect(scrape.rule_files).toEqual(["rules.yml"]);
  });

  it("mounts the files of this repository that Prometheus and Grafana read", () => {
    const mounts = ["prometheus", "grafana"].flatMap((name) =>
      (compose.services[name]!.volumes ?? [])
        .map((v) => String(v).split(":")[0]!)
        .filter((s) => s.startsWith("./")),
    );
    expect(mounts.sort()).toEqual([
      "./shared/monitoring/grafana/dashboards",
      "./shared/monitoring/grafana/provisioning",
      "./shared/monitoring/prometheus/prometheus.yml",
      "./shared/monitoring/prometheus/rules.yml",
    ]);
    const grafanaEnv = compose.services.grafana!.environment as Record<string, string>;
    expect(grafanaEnv.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      "/var/lib/grafana/dashboards/tickerbell.json",
    );
  });
});

// promtool comes from Debian's prometheus package (.ci/run installs it). Without it these are skipped on a
// developer's machine and fail under CI=true.
describe.runIf(promtoolAvailable() || process.env.CI === "true")("promtool", () => {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("check rules and check config pass", () => {
    const checked = promtool(["check", "rules", RULES_FILE]);
    expect(checked.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(checked.status).toBe(0);
    const config = promtool(["check", "config", join(MONITORING, "prometheus/prometheus.yml")]);
    expect(config.status, config.output).toBe(0);
  });

  it("check rules refuses a broken expression", () => {
    const broken = join(dir, "broken.yml");
    writeFileSync(
      broken,
      stringify({ groups: [{ name: "x", rules: [{ alert: "X", expr: "sum(rate(x[5m])" }] }] }),
    );
    expect(promtool(["check", "rules", broken]).status).toBe(1);
  });

  it("each alert fires in its situation and stays quiet in the look-alike one (promtool test rules)", () => {
    const tests = {
      rule_files: [RULES_FILE],
      evaluation_interval: "1m",
      tests: [
        {
          // A real Finnhub socket drops and the service keeps reconnecting; the simulated feed never connects
          // and never reconnects.
          interval: "1m",
          input_series: [
            { series: 'pricing_finnhub_socket_connected{instance="pricing:8082"}', values: "1 1 0x10" },
            { series: 'pricing_finnhub_reconnects_total{instance="pricing:8082"}', values: "0 0 1+1x10" },
            { series: 'pricing_finnhub_socket_connected{instance="simulated:8082"}', values: "0x12" },
            { series: 'pricing_finnhub_reconnects_total{instance="simulated:8082"}', values: "0x12" },
          ],
          alert_rule_test: [
            { eval_time: "3m", alertname: "TickerbellFinnhubDisconnected", exp_alerts: [] },
            {
              eval_time: "10m",
              alertname: "TickerbellFinnhubDisconnected",
              exp_alerts: [
                {
                  exp_labels: { severity: "critical", instance: "pricing:8082" },
                  exp_annotations: {
                    summary: "The Finnhub websocket of pricing:8082 is down",
                    description:
                      "Prices come from REST polls only (60 calls/min on the free tier): ticks are sparse and late.",
                  },
                },
              ],
            },
          ],
        },
        {
          // The oldest unpublished row keeps ageing; a relay that keeps up only ever has fresh rows.
          interval: "1m",
          input_series: [{ series: "tickerbell_outbox_oldest_pending_age_seconds", values: "0 0 30+60x10" }],
          alert_rule_test: [
            { eval_time: "4m", alertname: "TickerbellOutboxStuck", exp_alerts: [] },
            {
              eval_time: "10m",
              alertname: "TickerbellOutboxStuck",
              exp_alerts: [
                {
                  exp_labels: { severity: "critical" },
                  exp_annotations: {
                    summary: "The alert outbox is not being relayed to alerts.changes",
                    description:
                      "The oldest unpublished change is 8m 30s old: the matcher does not see new, edited or cancelled alerts.",
                  },
                },
              ],
            },
          ],
        },
        {
          interval: "1m",
          input_series: [
            { series: "tickerbell_outbox_oldest_pending_age_seconds", values: "0 2 0 1 0 3 0 2 0 1 0 2" },
          ],
          alert_rule_test: [{ eval_time: "10m", alertname: "TickerbellOutboxStuck", exp_alerts: [] }],
        },
        {
          interval: "1m",
          input_series: [
            {
              series:
                'tickerbell_bus_dead_lettered_messages_total{topic="notifications.telegram",group="telegram-bot",reason="failed"}',
              values: "0 0 0 1 1 1",
            },
          ],
          alert_rule_test: [
            { eval_time: "2m", alertname: "TickerbellDeadLetters", exp_alerts: [] },
            {
              eval_time: "5m",
              alertname: "TickerbellDeadLetters",
              exp_alerts: [
                {
                  exp_labels: {
                    severity: "warning",
                    topic: "notifications.telegram",
                    group: "telegram-bot",
                    reason: "failed",
                  },
                  exp_annotations: {
                    summary: "Messages of notifications.telegram dead-lettered by telegram-bot (failed)",
                    description:
                      "Messages went to notifications.telegram.dlq in the last 15 minutes; they wait there to be inspected and replayed.",
                  },
                },
              ],
            },
          ],
        },
        {
          // The matcher falls further behind; another group works off a burst.
          interval: "1m",
          input_series: [
            {
              series: 'tickerbell_bus_consumer_lag{topic="prices.ticks",partition="0",group="matcher"}',
              values: "0+200x30",
            },
            {
              series:
                'tickerbell_bus_consumer_lag{topic="notifications.discord",partition="0",group="discord-bot"}',
              values: "9000-200x30",
            },
          ],
          alert_rule_test: [
            {
              eval_time: "25m",
              alertname: "TickerbellConsumerLagGrowing",
              exp_alerts: [
                {
                  exp_labels: { severity: "warning", topic: "prices.ticks", group: "matcher" },
                  exp_annotations: {
                    summary: "matcher is falling behind on prices.ticks",
                    description: "5000 messages behind and growing for 10 minutes: alerts fire late.",
                  },
                },
              ],
            },
          ],
        },
        {
          // A consumer stuck on a batch: its lag gauge stays flat (it moves only per handled batch) and it
          // handles nothing. Another group with a backlog keeps handling messages.
          interval: "1m",
          input_series: [
            {
              series: 'tickerbell_bus_consumer_lag{topic="alerts.changes",partition="0",group="matcher"}',
              values: "500x30",
            },
            {
              series:
                'tickerbell_bus_consumed_messages_total{topic="alerts.changes",group="matcher",outcome="handled"}',
              values: "100x30",
            },
            {
              series:
                'tickerbell_bus_consumer_lag{topic="notifications.telegram",partition="0",group="telegram-bot"}',
              values: "500x30",
            },
            {
              series:
                'tickerbell_bus_consumed_messages_total{topic="notifications.telegram",group="telegram-bot",outcome="handled"}',
              values: "0+30x30",
            },
          ],
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: "TickerbellConsumerStalled",
              exp_alerts: [
                {
                  exp_labels: { severity: "critical", topic: "alerts.changes", group: "matcher" },
                  exp_annotations: {
                    summary: "matcher handles nothing on alerts.changes",
                    description:
                      "500 messages wait and none was handled for 15 minutes: the consumer is stuck.",
                  },
                },
              ],
            },
            { eval_time: "20m", alertname: "TickerbellConsumerLagGrowing", exp_alerts: [] },
          ],
        },
      ],
    };
    const file = join(dir, "tests.yml");
    writeFileSync(file, stringify(tests));
    const result = promtool(["test", "rules", file]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status, result.output).toBe(0);
  });
});
