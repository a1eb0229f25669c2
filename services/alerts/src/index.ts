export { createApp } from "./app.ts";
export type { OutboxRow, OutboxStore } from "./domain/ports.ts";
export { type AlertsEnv, loadEnv } from "./env.ts";
export { type RunningAlertService, startAlertService } from "./service.ts";
