export { createApp } from "./app.ts";
export type { OutboxRow, OutboxStore } from "./domain/ports.ts";
export { type AlertsEnv, loadEnv } from "./env.ts";
export { type RunningAlertService, startAlertService } from "./service.ts";
export { TRIGGER_CONSUMER_GROUP, TriggerConsumer, type TriggerRecorder } from "./trigger-consumer.ts";
export { type AlertWorkers, type AlertWorkersOptions, startAlertWorkers } from "./workers.ts";
