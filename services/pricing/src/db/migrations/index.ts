import { Migration20261203160000PriceBars } from "./Migration20261203160000_price_bars.ts";
import { Migration20261205200000PriceHistoryMarks } from "./Migration20261205200000_price_history_marks.ts";

/** The pricing service's migrations, oldest first, listed explicitly (no globbing) so every mode runs the same set. */
export const pricingMigrations = [
  { name: "Migration20261203160000_price_bars", class: Migration20261203160000PriceBars },
  { name: "Migration20261205200000_price_history_marks", class: Migration20261205200000PriceHistoryMarks },
];
