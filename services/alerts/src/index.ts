export { createApp } from "./app.ts";
export { MIGRATION_LOCK_KEY, type OrmStartupEvent } from "./db/orm.ts";
export {
  type EarningsCalendarSource,
  type EarningsPass,
  EarningsScheduler,
} from "./domain/earnings-scheduler.ts";
export type { OutboxRow, OutboxStore } from "./domain/ports.ts";
export { PricingEarningsCalendar } from "./earnings-calendar-client.ts";
export {
  type AlertsEnv,
  alertHistoryDaysEnv,
  loadEnv,
  UserLimitsEnvShape,
  webhookAllowHostsEnv,
} from "./env.ts";
export { inProcessDemand, inProcessSnapshots } from "./in-process.ts";
export { Reemitter } from "./reemitter.ts";
export { RUNTIME_CONSUMER_GROUP, RuntimeConsumer } from "./runtime-consumer.ts";
export {
  DEFAULT_ALERT_HISTORY_DAYS,
  DEFAULT_USER_COMMANDS_PER_MINUTE,
  type RunningAlertService,
  startAlertService,
} from "./service.ts";
export {
  AddressGuard,
  type AllowList,
  type HostResolver,
  parseAllowList,
  type ResolvedAddress,
} from "./webhooks/address-guard.ts";
export { signatureOf } from "./webhooks/sender.ts";
export { type AlertWorkers, type AlertWorkersOptions, startAlertWorkers } from "./workers.ts";
