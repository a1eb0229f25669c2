// The dashboard against Grafana's own dashboard model (@grafana/schema), checked by the compiler
// (`npm run typecheck`): a field of the wrong type or shape in the JSON does not compile.
import type { Dashboard } from "@grafana/schema";
import dashboard from "../../../monitoring/grafana/dashboards/tickerbell.json" with { type: "json" };

/** A type as JSON holds it: Grafana's enums are their string or number values there. */
type JsonOf<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer U)[]
        ? JsonOf<U>[]
        : T extends object
          ? { [K in keyof T]: JsonOf<T[K]> }
          : T;

export const TICKERBELL_DASHBOARD: JsonOf<Dashboard> = dashboard;
