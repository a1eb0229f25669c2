import type { DisabledWebhookNotice, Webhook } from "@tickerbell/contracts";
import type { WebhookCommand, WebhookRef } from "../grammar/commands.ts";
import type { AlertsApi, ChatContext, Reply } from "./ports.ts";

type WebhooksApi = Pick<AlertsApi, "createWebhook" | "listWebhooks" | "deleteWebhook" | "testWebhook">;

const EXAMPLE_URL = "https://example.com/tickerbell";

/** `/webhook add|list|remove|test`: the user's outbound webhooks. */
export async function webhookCommand(
  alerts: WebhooksApi,
  ctx: ChatContext,
  command: WebhookCommand,
): Promise<Reply> {
  switch (command.action) {
    case "list":
      return { text: describeList(await alerts.listWebhooks(ctx)) };
    case "add": {
      // The secret is shown once: never into a group chat (on Telegram a private chat's id is the user's id).
      if (ctx.platform === "telegram" && ctx.chatId !== ctx.platformUserId) {
        return { text: "Add webhooks in a private chat with me: its signing secret is shown there, once." };
      }
      const { webhook, secret } = await alerts.createWebhook(ctx, command.url);
      const position = (await alerts.listWebhooks(ctx)).findIndex((w) => w.id === webhook.id) + 1;
      return {
        text: [
          `✅ Webhook added: ${webhook.url}`,
          "Every firing of your alerts is now also POSTed there as JSON, signed with this secret (shown only this once, keep it safe):",
          secret,
          `Check it with /webhook test ${position || 1}.`,
        ].join("\n"),
      };
    }
    case "remove": {
      const webhook = await find(alerts, ctx, command.ref);
      await alerts.deleteWebhook(ctx, webhook.id);
      return { text: `Removed the webhook ${webhook.url}.` };
    }
    case "test": {
      const webhook = await find(alerts, ctx, command.ref);
      const result = await alerts.testWebhook(ctx, webhook.id);
      if (result.ok) {
        const back = webhook.status === "disabled" ? " It is on again." : "";
        return { text: `✅ ${webhook.url} took the test delivery (HTTP ${result.status}).${back}` };
      }
      return { text: `❌ The test delivery to ${webhook.url} failed: ${result.error ?? "no answer"}.` };
    }
  }
}

class WebhookNotFound extends Error {}

async function find(alerts: WebhooksApi, ctx: ChatContext, ref: WebhookRef): Promise<Webhook> {
  const list = await alerts.listWebhooks(ctx);
  const found =
    ref.by === "position" ? list[ref.position - 1] : list.filter((w) => w.id.startsWith(ref.id)).at(0);
  if (found === undefined) {
    throw new WebhookNotFound(
      list.length === 0
        ? "You have no webhooks."
        : `You have no webhook ${ref.by === "position" ? `number ${ref.position}` : ref.id}; see /webhook list.`,
    );
  }
  return found;
}

/** Errors the command handler shows as they are. */
export function isWebhookNotFound(error: unknown): error is Error {
  return error instanceof WebhookNotFound;
}

function describeList(webhooks: Webhook[]): string {
  if (webhooks.length === 0) return `You have no webhooks. Add one: /webhook add ${EXAMPLE_URL}`;
  const lines = webhooks.map((w, i) => {
    const state =
      w.status === "disabled"
        ? `turned off after ${w.consecutiveFailures} failed deliveries${w.lastError ? ` (${w.lastError})` : ""}; /webhook test ${i + 1} turns it on again`
        : w.consecutiveFailures > 0
          ? `on, ${w.consecutiveFailures} failed deliveries in a row${w.lastError ? ` (${w.lastError})` : ""}`
          : w.lastDeliveryAt === null
            ? "on, nothing delivered yet"
            : "on";
    return `${i + 1}. ${w.url} · ${state}`;
  });
  return [`Your webhooks (every firing of your alerts is POSTed to each):`, ...lines].join("\n");
}

/** Told with the user's next command, once: which webhooks were turned off after repeated failures. */
export function formatDisabledWebhooksNotice(disabled: readonly DisabledWebhookNotice[]): string | null {
  if (disabled.length === 0) return null;
  const which = disabled.map((w) => `${w.url}${w.lastError ? ` (${w.lastError.split(":")[0]})` : ""}`);
  const them = disabled.length === 1 ? "it" : "them";
  return `⚠️ I turned off your webhook${disabled.length === 1 ? "" : "s"} ${which.join(", ")} after repeated failed deliveries. Fix the receiver, then /webhook test turns ${them} on again (see /webhook list).`;
}
