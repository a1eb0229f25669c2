import { Migration } from "@mikro-orm/migrations";
import {
  createAlertWithinLimitSql,
  OWNER_TWINS,
  twinLookupSql,
} from "./Migration20261207000000_community_destinations.ts";

/**
 * A twin is an open alert with the same symbol, condition and levels *in the same place*: among the owner's DM
 * alerts for a DM alert (on any of their linked platforms, as before), and among the alerts posted in the same
 * channel or group, whoever set them, for a community alert. So a person may have a level in their DMs and the
 * same level in a group, and two admins cannot post the same alert twice in one group. Creates in one community
 * are serialized by its `community_locks` row, so two of them cannot both pass the check.
 */
export const DESTINATION_TWINS = `case when community is null
            then user_id = owner and origin_kind = 'dm'
            else origin_kind <> 'dm' and origin_platform = p_alert->>'origin_platform'
              and origin_chat_id = p_alert->>'origin_chat_id'
          end`;

export class Migration20261208000000TwinsPerDestination extends Migration {
  override up(): void {
    this.addSql(orReplace(createAlertWithinLimitSql(twinLookupSql(DESTINATION_TWINS))));
  }

  override down(): void {
    this.addSql(orReplace(createAlertWithinLimitSql(twinLookupSql(OWNER_TWINS))));
  }
}

export function orReplace(sql: string): string {
  return sql.replace(/^create function/, "create or replace function");
}
