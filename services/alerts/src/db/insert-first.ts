import type { SqlEntityManager } from "@mikro-orm/postgresql";

/**
 * Inserts a batch of rows keyed by trigger_id in one statement: concurrent batches (another instance, a
 * redelivery) settle each triggerId on its primary key, the first insert standing. `into` is the table and its
 * columns, `row` one row's placeholders (with any casts); returns the triggerIds this statement inserted.
 */
export async function insertFirstPerTrigger(
  em: SqlEntityManager,
  into: string,
  row: string,
  values: unknown[][],
): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const inserted = await em.execute<{ trigger_id: string }[]>(
    `insert into ${into} values ${values.map(() => row).join(", ")}
     on conflict (trigger_id) do nothing returning trigger_id`,
    values.flat(),
  );
  return new Set(inserted.map((r) => r.trigger_id));
}
