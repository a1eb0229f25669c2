export { AlertIndex, type AlertIndexOptions } from "./alert-index.ts";
export { AlertsClient as MatcherAlertsClient } from "./service/alerts-client.ts";
export { MATCHER_GROUP, MatcherService, type MatcherServiceOptions } from "./service/matcher-service.ts";
export type * from "./types.ts";
