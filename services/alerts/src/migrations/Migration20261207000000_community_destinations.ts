import { Migration } from "@mikro-orm/migrations";

/**
 * Community destinations: an alert may post in a Discord server channel (optionally mentioning a role) or a
 * Telegram group instead of its owner's DM. `origin_kind` is not null with default 'dm', so every alert from
 * before reads as a DM.
 *
 * Each community (`discord:<guildId>`, `telegram:<groupChatId>`) has a cap on its open alerts, checked by
 * `create_alert_within_limit` under a lock on the community's `community_locks` row, so two creates by different
 * users in one community cannot both pass it. Batches take their users' locks, then their communities' in key
 * order, then their symbols': every writer takes them in that order, so batches never deadlock one another.
 *
 * Two indexes: counting a community's open alerts (the expression is the community key), and listing, pausing or
 * moving a destination's alerts in (created_at, id) order.
 */
export class Migration20261207000000CommunityDestinations extends Migration {
  override up(): void {
    this.addSql(`alter table alerts
      add column origin_kind text not null default 'dm' check (origin_kind in ('dm', 'channel', 'group')),
      add column origin_community_id text,
      add column origin_mention_role_id text`);
    this.addSql(`create index alerts_community_open_idx on alerts
      ((origin_platform || ':' || coalesce(origin_community_id, origin_chat_id)))
      where origin_kind <> 'dm' and status in ('active', 'paused')`);
    this.addSql(`create index alerts_destination_idx on alerts (origin_platform, origin_chat_id, created_at, id)
      where origin_kind <> 'dm'`);
    this.addSql("create table community_locks (community_key text primary key)");
    this.addSql("drop function create_alert_within_limit(jsonb, integer, text, jsonb, timestamptz)");
    this.addSql(createAlertWithinLimitSql(twinLookupSql(OWNER_TWINS)));
    this.addSql(`create or replace function create_alerts_within_limit(p_items jsonb, p_topic text)
      returns jsonb language plpgsql as $$
      declare
        item jsonb;
        outcomes jsonb := '[]'::jsonb;
      begin
        perform 1 from users
          where id = any(array(select distinct (value->'alert'->>'user_id')::uuid from jsonb_array_elements(p_items)))
          order by id for update;
        insert into community_locks as l (community_key)
          select distinct ${communityKeySql("value->'alert'")} as community
            from jsonb_array_elements(p_items)
           where ${communityKeySql("value->'alert'")} is not null
           order by 1
          on conflict (community_key) do update set community_key = l.community_key;
        insert into change_sequences as s (symbol, seq)
          select distinct value->'alert'->>'symbol', 0 from jsonb_array_elements(p_items) order by 1
          on conflict (symbol) do update set seq = s.seq;
        for item in select value from jsonb_array_elements(p_items) with ordinality order by ordinality loop
          outcomes := outcomes || jsonb_build_array(create_alert_within_limit(item->'alert',
            (item->>'limit')::integer, p_topic, item->'payload', (item->>'at')::timestamptz,
            (item->>'communityLimit')::integer));
        end loop;
        return outcomes;
      end $$`);
  }

  override down(): void {
    this.addSql(`create or replace function create_alerts_within_limit(p_items jsonb, p_topic text)
      returns jsonb language plpgsql as $$
      declare
        item jsonb;
        outcomes jsonb := '[]'::jsonb;
      begin
        perform 1 from users
          where id = any(array(select distinct (value->'alert'->>'user_id')::uuid from jsonb_array_elements(p_items)))
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
    this.addSql("drop function create_alert_within_limit(jsonb, integer, text, jsonb, timestamptz, integer)");
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
    this.addSql("drop table community_locks");
    this.addSql("drop index alerts_destination_idx");
    this.addSql("drop index alerts_community_open_idx");
    // Community alerts cannot be told apart from DMs once the columns are gone: they go with them.
    this.addSql("delete from alerts where origin_kind <> 'dm'");
    this.addSql(`alter table alerts
      drop column origin_kind, drop column origin_community_id, drop column origin_mention_role_id`);
  }
}

/** The community key of an alert given as columns in jsonb (`discord:<guildId>`, `telegram:<chatId>`), or null. */
function communityKeySql(alert: string): string {
  return `case when ${alert}->>'origin_kind' in ('channel', 'group')
    then (${alert}->>'origin_platform') || ':' || coalesce(${alert}->>'origin_community_id', ${alert}->>'origin_chat_id')
    end`;
}

/** The twin check of the create function as this migration wrote it: any open alert of the same owner. */
export const OWNER_TWINS = "user_id = owner";

/**
 * The plpgsql statement that finds an open twin of `p_alert` (same symbol, condition and levels) among the alerts
 * `twinScope` selects (SQL over the `alerts` row, `owner`, `community` and `p_alert`), into `existing`.
 */
export function twinLookupSql(twinScope: string): string {
  return `select id into existing from alerts
          where ${twinScope} and status in ('active', 'paused')
            and symbol = p_alert->>'symbol' and condition = p_alert->'condition'
            and threshold_upper is not distinct from (p_alert->>'threshold_upper')::double precision
            and threshold_lower is not distinct from (p_alert->>'threshold_lower')::double precision
          order by created_at, id
          limit 1;`;
}

/**
 * `create_alert_within_limit` with a cap per community (see the class comment); `twinLookup` (see twinLookupSql)
 * says which open alerts with the same symbol, condition and levels count as a twin.
 */
export function createAlertWithinLimitSql(twinLookup: string): string {
  return `create function create_alert_within_limit(p_alert jsonb, p_open_limit integer, p_topic text,
        p_payload jsonb, p_created_at timestamptz, p_community_limit integer)
      returns jsonb language plpgsql as $$
      declare
        owner uuid := (p_alert->>'user_id')::uuid;
        community text := ${communityKeySql("p_alert")};
        existing uuid;
        open_count integer;
        community_count integer;
      begin
        perform 1 from users where id = owner for update;
        if not found then
          raise exception 'no user %', owner;
        end if;
        if community is not null then
          insert into community_locks as l (community_key) values (community)
            on conflict (community_key) do update set community_key = l.community_key;
        end if;
        ${twinLookup}
        if existing is not null then
          return jsonb_build_object('duplicate', existing);
        end if;
        -- A community alert also counts for its creator's own cap: the per-user limit is the typist's.
        select count(*) into open_count from alerts where user_id = owner and status in ('active', 'paused');
        if open_count >= p_open_limit then
          return jsonb_build_object('open', open_count);
        end if;
        if community is not null then
          select count(*) into community_count from alerts
            where origin_kind <> 'dm' and status in ('active', 'paused')
              and origin_platform || ':' || coalesce(origin_community_id, origin_chat_id) = community;
          if community_count >= p_community_limit then
            return jsonb_build_object('open', open_count, 'communityOpen', community_count);
          end if;
        end if;
        insert into alerts select * from jsonb_populate_record(null::alerts, p_alert);
        perform append_alert_change(p_topic, p_alert->>'symbol', p_payload, p_created_at);
        return jsonb_build_object('open', open_count);
      end $$`;
}
