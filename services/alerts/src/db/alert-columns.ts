import type { EntityMetadata } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import { AlertEntity } from "./entities.ts";
import type { AlertRow } from "./mapping.ts";

/**
 * The alerts table's column names, read from the entity's metadata, for the hot paths that write and read rows
 * in plain SQL (one statement for a batch, no entity hydration or change tracking): a row keyed by property
 * becomes one keyed by column (for jsonb_populate_record), and a raw row becomes one keyed by property with the
 * types the entity declares (the driver's own result mapping, as for its finds).
 */
export class AlertColumns {
  readonly #em: SqlEntityManager;
  readonly #meta: EntityMetadata;
  readonly #columnOf: Map<string, string>;

  constructor(em: SqlEntityManager) {
    this.#em = em;
    this.#meta = em.getMetadata(AlertEntity) as EntityMetadata;
    this.#columnOf = new Map(Object.values(this.#meta.properties).map((p) => [p.name, p.fieldNames[0]!]));
  }

  /** `row` keyed by column name. */
  toColumns(row: Partial<AlertRow>): Record<string, unknown> {
    const columns: Record<string, unknown> = {};
    for (const [property, value] of Object.entries(row)) {
      const column = this.#columnOf.get(property);
      if (!column) throw new Error(`alerts has no column for ${property}`);
      columns[column] = value;
    }
    return columns;
  }

  /** A row of `select * from alerts`, keyed by property. */
  fromColumns(raw: Record<string, unknown>): AlertRow {
    const row = this.#em.getDriver().mapResult(raw, this.#meta);
    if (!row) throw new Error("an alerts row mapped to nothing");
    return row as unknown as AlertRow;
  }
}
