export { AlertIndex, type AlertIndexOptions } from "./alert-index.ts";
export { AlertSnapshotClient } from "./service/alert-snapshot-client.ts";
export { MATCHER_GROUP, MatcherService, type MatcherServiceOptions } from "./service/matcher-service.ts";
export type * from "./types.ts";
