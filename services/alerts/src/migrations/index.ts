import { Migration20261124000000Initial } from "./Migration20261124000000_initial.ts";
import { Migration20261124200000Deliveries } from "./Migration20261124200000_deliveries.ts";
import { Migration20261124210000Snooze } from "./Migration20261124210000_snooze.ts";
import { Migration20261202100000ChangeSequences } from "./Migration20261202100000_change_sequences.ts";
import { Migration20261202120000Runtime } from "./Migration20261202120000_runtime.ts";
import { Migration20261203000000Duplicates } from "./Migration20261203000000_duplicates.ts";
import { Migration20261203100000AlertLists } from "./Migration20261203100000_alert_lists.ts";
import { Migration20261203150000CreateBatches } from "./Migration20261203150000_create_batches.ts";
import { Migration20261203170000AlertEdits } from "./Migration20261203170000_alert_edits.ts";
import { Migration20261203200000SettingsQuietHours } from "./Migration20261203200000_settings_quiet_hours.ts";
import { Migration20261203210000SettingsChanges } from "./Migration20261203210000_settings_changes.ts";
import { Migration20261204000000BatchUserLocks } from "./Migration20261204000000_batch_user_locks.ts";
import { Migration20261204010000FiringRetention } from "./Migration20261204010000_firing_retention.ts";
import { Migration20261204100000Webhooks } from "./Migration20261204100000_webhooks.ts";
import { Migration20261205000000Earnings } from "./Migration20261205000000_earnings.ts";
import { Migration20261206000000SettingsCharts } from "./Migration20261206000000_settings_charts.ts";
import { Migration20261207000000CommunityDestinations } from "./Migration20261207000000_community_destinations.ts";
import { Migration20261207010000CommunitySettings } from "./Migration20261207010000_community_settings.ts";
import { Migration20261208000000TwinsPerDestination } from "./Migration20261208000000_twins_per_destination.ts";
import { Migration20261209000000TwinLookupByPlace } from "./Migration20261209000000_twin_lookup_by_place.ts";
import { Migration20261210000000WindowHistories } from "./Migration20261210000000_window_histories.ts";
import { Migration20261211200000NewHighs } from "./Migration20261211200000_new_highs.ts";
import { Migration20261212000000Studies } from "./Migration20261212000000_studies.ts";
import { Migration20261213000000DemandBySymbol } from "./Migration20261213000000_demand_by_symbol.ts";
import { Migration20261214000000DemandPages } from "./Migration20261214000000_demand_pages.ts";

/** Every migration, oldest first. Listed explicitly: no file globbing, so the set is the same in every mode. */
export const migrationsList = [
  { name: "Migration20261124000000_initial", class: Migration20261124000000Initial },
  { name: "Migration20261124200000_deliveries", class: Migration20261124200000Deliveries },
  { name: "Migration20261124210000_snooze", class: Migration20261124210000Snooze },
  { name: "Migration20261202100000_change_sequences", class: Migration20261202100000ChangeSequences },
  { name: "Migration20261202120000_runtime", class: Migration20261202120000Runtime },
  { name: "Migration20261203000000_duplicates", class: Migration20261203000000Duplicates },
  { name: "Migration20261203100000_alert_lists", class: Migration20261203100000AlertLists },
  { name: "Migration20261203150000_create_batches", class: Migration20261203150000CreateBatches },
  { name: "Migration20261203170000_alert_edits", class: Migration20261203170000AlertEdits },
  { name: "Migration20261203200000_settings_quiet_hours", class: Migration20261203200000SettingsQuietHours },
  { name: "Migration20261203210000_settings_changes", class: Migration20261203210000SettingsChanges },
  { name: "Migration20261204000000_batch_user_locks", class: Migration20261204000000BatchUserLocks },
  { name: "Migration20261204010000_firing_retention", class: Migration20261204010000FiringRetention },
  { name: "Migration20261204100000_webhooks", class: Migration20261204100000Webhooks },
  { name: "Migration20261205000000_earnings", class: Migration20261205000000Earnings },
  { name: "Migration20261206000000_settings_charts", class: Migration20261206000000SettingsCharts },
  {
    name: "Migration20261207000000_community_destinations",
    class: Migration20261207000000CommunityDestinations,
  },
  { name: "Migration20261207010000_community_settings", class: Migration20261207010000CommunitySettings },
  {
    name: "Migration20261208000000_twins_per_destination",
    class: Migration20261208000000TwinsPerDestination,
  },
  { name: "Migration20261209000000_twin_lookup_by_place", class: Migration20261209000000TwinLookupByPlace },
  { name: "Migration20261210000000_window_histories", class: Migration20261210000000WindowHistories },
  { name: "Migration20261211200000_new_highs", class: Migration20261211200000NewHighs },
  { name: "Migration20261212000000_studies", class: Migration20261212000000Studies },
  { name: "Migration20261213000000_demand_by_symbol", class: Migration20261213000000DemandBySymbol },
  { name: "Migration20261214000000_demand_pages", class: Migration20261214000000DemandPages },
];
