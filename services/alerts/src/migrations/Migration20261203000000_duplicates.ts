import { Migration } from "@mikro-orm/migrations";

/**
 * `create_alert_within_limit` also refuses a duplicate: an open (active or paused) alert of the same user on the
 * same symbol with the same condition and the same levels to fire at would send the same DM at the same trade.
 * It now answers a jsonb object: `{"duplicate": id}` when one exists (nothing written), else `{"open": n}`, the
 * open alerts the user had before (the alert was inserted when n was below the limit). The check runs under the
 * user's row lock, so two identical creates at once cannot both pass it.
 */
export class Migration20261203000000Duplicates extends Migration {
  override up(): void {
    this.addSql("drop function create_alert_within_limit(jsonb, integer, text, jsonb, timestamptz)");
    this.addSql(`create function create_alert_within_limit(p_alert jsonb, p_open_limit integer, p_topic text,
        p_payload jsonb, p_created_at timestamptz)
      returns jsonb language plpgsql as $$
      declare
        owner uuid := (p_alert->>'user_id')::uuid;
        existing uuid;
        open_count integer;
      begin
        perform 1 from users where id = owner for update;
        if not found then
          raise exception 'no user %', owner;
        end if;
        select id into existing from alerts
          where user_id = owner and status in ('active', 'paused')
            and symbol = p_alert->>'symbol' and condition = p_alert->'condition'
            and threshold_upper is not distinct from (p_alert->>'threshold_upper')::double precision
            and threshold_lower is not distinct from (p_alert->>'threshold_lower')::double precision
          order by created_at, id
          limit 1;
        if existing is not null then
          return jsonb_build_object('duplicate', existing);
        end if;
        select count(*) into open_count from alerts where user_id = owner and status in ('active', 'paused');
        if open_count < p_open_limit then
          insert into alerts select * from jsonb_populate_record(null::alerts, p_alert);
          perform append_alert_change(p_topic, p_alert->>'symbol', p_payload, p_created_at);
        end if;
        return jsonb_build_object('open', open_count);
      end $$`);
  }

  override down(): void {
    this.addSql("drop function create_alert_within_limit(jsonb, integer, text, jsonb, timestamptz)");
    this.addSql(`create function create_alert_within_limit(p_alert jsonb, p_open_limit integer, p_topic text,
        p_payload jsonb, p_created_at timestamptz)
      returns integer language plpgsql as $$
      declare
        owner uuid := (p_alert->>'user_id')::uuid;
        open_count integer;
      begin
        perform 1 from users where id = owner for update;
        if not found then
          raise exception 'no user %', owner;
        end if;
        select count(*) into open_count from alerts where user_id = owner and status in ('active', 'paused');
        if open_count < p_open_limit then
          insert into alerts select * from jsonb_populate_record(null::alerts, p_alert);
          perform append_alert_change(p_topic, p_alert->>'symbol', p_payload, p_created_at);
        end if;
        return open_count;
      end $$`);
  }
}
