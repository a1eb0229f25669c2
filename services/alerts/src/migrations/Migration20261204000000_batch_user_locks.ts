import { Migration } from "@mikro-orm/migrations";

/**
 * `create_alerts_within_limit` locks its users through the primary key. It used `id in (select … from
 * jsonb_array_elements(…))`, which the planner estimates at 100 rows and answers with a scan of the whole users
 * table: a few milliseconds per batch at 20,000 users, growing with every user. `= any(array(…))` probes the
 * index. The rest of the function is unchanged.
 */
export class Migration20261204000000BatchUserLocks extends Migration {
  override up(): void {
    this.addSql(
      createFunction(
        "id = any(array(select distinct (value->'alert'->>'user_id')::uuid from jsonb_array_elements(p_items)))",
      ),
    );
  }

  override down(): void {
    this.addSql(
      createFunction(
        "id in (select distinct (value->'alert'->>'user_id')::uuid from jsonb_array_elements(p_items))",
      ),
    );
  }
}

function createFunction(usersOfBatch: string): string {
  return `create or replace function create_alerts_within_limit(p_items jsonb, p_topic text)
      returns jsonb language plpgsql as $$
      declare
        item jsonb;
        outcomes jsonb := '[]'::jsonb;
      begin
        perform 1 from users where ${usersOfBatch} order by id for update;
        insert into change_sequences as s (symbol, seq)
          select distinct value->'alert'->>'symbol', 0 from jsonb_array_elements(p_items) order by 1
          on conflict (symbol) do update set seq = s.seq;
        for item in select value from jsonb_array_elements(p_items) with ordinality order by ordinality loop
          outcomes := outcomes || jsonb_build_array(create_alert_within_limit(item->'alert',
            (item->>'limit')::integer, p_topic, item->'payload', (item->>'at')::timestamptz));
        end loop;
        return outcomes;
      end $$`;
}
