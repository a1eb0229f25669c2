import { Migration } from "@mikro-orm/migrations";

/**
 * `create_alerts_within_limit`: many creates in one statement, hence one transaction and one commit (one WAL
 * flush) for all of them. Each item is exactly `create_alert_within_limit` (the user's lock, the duplicate and
 * limit checks, the insert and its outbox row), in the order given, so a later item sees an earlier one (a twin
 * in the same batch is a duplicate). It answers that function's outcome per item, in order. No exception
 * blocks (each would be a subtransaction): if any item fails, the whole statement fails and the caller
 * creates its items one by one.
 *
 * Several batches may be written at once. Each first locks its users in id order, then its symbols' sequence
 * rows in symbol order, so batches never deadlock one another: every writer takes user locks before symbol
 * locks, and within each class in the same order (a single create takes one of each).
 */
export class Migration20261203150000CreateBatches extends Migration {
  override up(): void {
    this.addSql(`create function create_alerts_within_limit(p_items jsonb, p_topic text)
      returns jsonb language plpgsql as $$
      declare
        item jsonb;
        outcomes jsonb := '[]'::jsonb;
      begin
        perform 1 from users
          where id in (select distinct (value->'alert'->>'user_id')::uuid from jsonb_array_elements(p_items))
          order by id for update;
        insert into change_sequences as s (symbol, seq)
          select distinct value->'alert'->>'symbol', 0 from jsonb_array_elements(p_items) order by 1
          on conflict (symbol) do update set seq = s.seq;
        for item in select value from jsonb_array_elements(p_items) with ordinality order by ordinality loop
          outcomes := outcomes || jsonb_build_array(create_alert_within_limit(item->'alert',
            (item->>'limit')::integer, p_topic, item->'payload', (item->>'at')::timestamptz));
        end loop;
        return outcomes;
      end $$`);
  }

  override down(): void {
    this.addSql("drop function create_alerts_within_limit(jsonb, text)");
  }
}
