// What the monitoring files may name: the Prometheus metrics the project's code registers (read from the
// prom-client constructors in its sources), the metric and label names a PromQL expression uses, the checks of
// a Grafana dashboard's JSON model, and promtool (Debian's prometheus package) for the rules themselves.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface ExportedMetric {
  name: string;
  type: "Counter" | "Gauge" | "Histogram" | "Summary";
  labels: string[];
  /** Where it is registered, relative to the repository root. */
  file: string;
}

/** Labels every series carries besides its own: the registry's default label and the scrape's target labels. */
export const AMBIENT_LABELS = ["service", "instance", "job"];

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(dir, f));
}

/** `new Counter({ … })` (also Gauge, Histogram, Summary), or the register-once helpers `counterIn(registry, { … })`. */
const REGISTRATION =
  /(?:new (Counter|Gauge|Histogram|Summary)\(|\b(counter|gauge|histogram)In(?:<[^>]*>)?\([^,{()]*,)\s*\{([\s\S]*?)\}\)/g;

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Every metric registered with `new Counter|Gauge|Histogram|Summary({ name, labelNames })`, or with the
 * register-once helpers of shared/config (`counterIn`, `gaugeIn`, `histogramIn`), in the src/ of the workspaces
 * that run (testkit excluded). A name given through a constant is resolved from the same file.
 */
export function exportedMetrics(repoRoot: string): Map<string, ExportedMetric> {
  const metrics = new Map<string, ExportedMetric>();
  for (const parent of ["services", "bots", "shared"]) {
    for (const workspace of readdirSync(join(repoRoot, parent))) {
      if (workspace === "testkit") continue;
      let files: string[];
      try {
        files = sources(join(repoRoot, parent, workspace, "src"));
      } catch {
        continue;
      }
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(REGISTRATION)) {
          const type = (match[1] ?? capitalize(match[2]!)) as ExportedMetric["type"];
          const body = match[3]!;
          const literal = /\bname:\s*"([^"]+)"/.exec(body)?.[1];
          const constant = /\bname(?:\s*:\s*([A-Za-z_]\w*))?\s*,/.exec(body);
          const name =
            literal ??
            (constant
              ? new RegExp(`const ${constant[1] ?? "name"}\\s*=\\s*"([^"]+)"`).exec(text)?.[1]
              : undefined);
          if (name === undefined) continue;
          const labels = [...(/labelNames:\s*\[([^\]]*)\]/.exec(body)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map(
            (m) => m[1]!,
          );
          metrics.set(name, {
            name,
            type,
            labels,
            file: relative(repoRoot, file),
          });
        }
      }
    }
  }
  return metrics;
}

/** The series names a metric exposes: a histogram's _bucket (with le), _sum and _count, a summary's _sum and _count. */
export function seriesOf(metric: ExportedMetric): Map<string, string[]> {
  const series = new Map([[metric.name, metric.labels]]);
  if (metric.type === "Histogram") series.set(`${metric.name}_bucket`, [...metric.labels, "le"]);
  if (metric.type === "Histogram" || metric.type === "Summary") {
    series.set(`${metric.name}_sum`, metric.labels);
    series.set(`${metric.name}_count`, metric.labels);
  }
  return series;
}

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "inf",
  "nan",
]);

export interface PromqlNames {
  metrics: string[];
  /** Labels named in matchers, by/without, on/ignoring and group_left/right. */
  labels: string[];
}

/** The metric and label names a PromQL expression uses (Grafana's `$__…` variables and strings aside). */
export function promqlNames(expr: string): PromqlNames {
  const labels: string[] = [];
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\$\{?\w+\}?/g, "1m")
    .replace(/\[[^\]]*\]/g, "");
  rest = rest.replace(/\{([^}]*)\}/g, (_, matchers: string) => {
    for (const m of matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]!);
    return " ";
  });
  rest = rest.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _kw, list: string) => {
      for (const l of list.split(",")) if (l.trim() !== "") labels.push(l.trim());
      return " ";
    },
  );
  const metrics: string[] = [];
  for (const m of rest.matchAll(/(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call !== undefined || KEYWORDS.has(word!.toLowerCase())) continue;
    metrics.push(word!);
  }
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/**
 * What an expression names that the code does not export: unknown metrics, and labels that none of its
 * metrics carries (besides the ambient ones).
 */
export function unknownNames(expr: string, exported: Map<string, ExportedMetric>): string[] {
  const series = new Map<string, string[]>();
  for (const metric of exported.values())
    for (const [name, labels] of seriesOf(metric)) series.set(name, labels);
  const { metrics, labels } = promqlNames(expr);
  const problems = metrics
    .filter((m) => !series.has(m))
    .map((m) => `metric ${m} is not exported by any service`);
  const known = new Set([...AMBIENT_LABELS, ...metrics.flatMap((m) => series.get(m) ?? [])]);
  for (const label of labels)
    if (!known.has(label)) problems.push(`label ${label} is on none of ${metrics.join(", ")}`);
  return problems;
}

interface GrafanaTarget {
  refId?: unknown;
  expr?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
}
interface GrafanaPanel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { x?: unknown; y?: unknown; w?: unknown; h?: unknown };
  datasource?: { type?: unknown; uid?: unknown };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

/** Grafana's built-in panel types (plugin ids) that need no plugin install. */
export const GRAFANA_PANEL_TYPES = new Set([
  "timeseries",
  "stat",
  "gauge",
  "bargauge",
  "table",
  "heatmap",
  "histogram",
  "state-timeline",
  "status-history",
  "barchart",
  "piechart",
  "text",
  "row",
  "logs",
]);

/**
 * Problems of a dashboard against Grafana's dashboard JSON model (schema v1, as file provisioning loads it):
 * uid, title, schemaVersion, panels with unique numeric ids, a known type, a gridPos inside the 24 columns, a
 * Prometheus datasource of the provisioned uid, and targets with unique refIds and an expression.
 */
export function checkGrafanaDashboard(dashboard: unknown, datasourceUids: readonly string[]): string[] {
  const problems: string[] = [];
  const d = dashboard as Record<string, unknown>;
  for (const key of ["uid", "title"])
    if (typeof d[key] !== "string" || d[key] === "") problems.push(`no ${key}`);
  if (typeof d.schemaVersion !== "number") problems.push("schemaVersion must be a number");
  if (!Array.isArray(d.panels) || d.panels.length === 0) return [...problems, "no panels"];
  const ids = new Set<unknown>();
  const all = (d.panels as GrafanaPanel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of all) {
    const name = `panel ${String(panel.id)} (${String(panel.title)})`;
    if (typeof panel.id !== "number" || !Number.isInteger(panel.id))
      problems.push(`${name}: id must be an integer`);
    else if (ids.has(panel.id)) problems.push(`${name}: id is not unique`);
    ids.add(panel.id);
    if (typeof panel.title !== "string" || panel.title === "") problems.push(`${name}: no title`);
    if (typeof panel.type !== "string" || !GRAFANA_PANEL_TYPES.has(panel.type))
      problems.push(`${name}: type ${String(panel.type)} is not a built-in panel`);
    const g = panel.gridPos;
    const ints =
      g && [g.x, g.y, g.w, g.h].every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0);
    if (!ints) problems.push(`${name}: gridPos needs integer x, y, w, h`);
    else if ((g.x as number) + (g.w as number) > 24 || (g.w as number) < 1 || (g.h as number) < 1)
      problems.push(`${name}: gridPos does not fit the 24 columns`);
    if (panel.type === "row" || panel.type === "text") continue;
    const sources = [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)];
    for (const ds of sources) {
      if (ds === undefined) continue;
      if (ds.type !== "prometheus" || typeof ds.uid !== "string" || !datasourceUids.includes(ds.uid))
        problems.push(`${name}: datasource ${JSON.stringify(ds)} is not the provisioned Prometheus`);
    }
    if (panel.datasource === undefined) problems.push(`${name}: no datasource`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length || refIds.some((r) => typeof r !== "string" || r === ""))
      problems.push(`${name}: targets need unique refIds`);
    for (const t of targets)
      if (typeof t.expr !== "string" || t.expr.trim() === "")
        problems.push(`${name}: target ${String(t.refId)} has no expr`);
  }
  return problems;
}

/** Every PromQL expression of a dashboard, with where it is. */
export function dashboardExpressions(dashboard: unknown): { where: string; expr: string }[] {
  const panels = ((dashboard as { panels?: GrafanaPanel[] }).panels ?? []).flatMap((p) => [
    p,
    ...(p.panels ?? []),
  ]);
  return panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `${String(p.title)} ${String(t.refId)}`, expr: String(t.expr) })),
  );
}

export function promtoolAvailable(): boolean {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs promtool; its exit code and what it printed. */
export function promtool(args: string[], cwd?: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { encoding: "utf8", ...(cwd ? { cwd } : {}) });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
