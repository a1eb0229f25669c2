import { Migration } from "@mikro-orm/migrations";
import {
  createAlertWithinLimitSql,
  twinLookupSql,
} from "./Migration20261207000000_community_destinations.ts";
import { DESTINATION_TWINS, orReplace } from "./Migration20261208000000_twins_per_destination.ts";

/**
 * The same twins as Migration20261208000000 (per place), looked up by one query per kind of place. Its single
 * query chose the place with a `case` on a plpgsql variable, which a cached generic plan cannot see through: no
 * index on `user_id` applied, and every create scanned the whole table (the API bench: creates at 339/s, p50
 * 4.5 s). Each query here has its own plan on its own index (`alerts_user_status_idx`, `alerts_destination_idx`).
 */
export const TWIN_LOOKUP_BY_PLACE = `if community is null then
          ${twinLookupSql("user_id = owner and origin_kind = 'dm'")}
        else
          ${twinLookupSql(
            "origin_kind <> 'dm' and origin_platform = p_alert->>'origin_platform' and origin_chat_id = p_alert->>'origin_chat_id'",
          )}
        end if;`;

export class Migration20261209000000TwinLookupByPlace extends Migration {
  override up(): void {
    this.addSql(orReplace(createAlertWithinLimitSql(TWIN_LOOKUP_BY_PLACE)));
  }

  override down(): void {
    this.addSql(orReplace(createAlertWithinLimitSql(twinLookupSql(DESTINATION_TWINS))));
  }
}
