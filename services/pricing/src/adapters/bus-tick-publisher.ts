import type { Bus } from "@tickerbell/bus";
import { type PriceTick, type TOPIC_CATALOG, TOPIC_PRICE_TICKS } from "@tickerbell/contracts";
import type { TickPublisher } from "../domain/ports.ts";

/** `prices.ticks` on the bus, keyed by symbol (the catalog derives the key). */
export class BusTickPublisher implements TickPublisher {
  readonly #bus: Bus<typeof TOPIC_CATALOG>;

  constructor(bus: Bus<typeof TOPIC_CATALOG>) {
    this.#bus = bus;
  }

  publish(ticks: readonly PriceTick[]): Promise<void> {
    return this.#bus.publish(
      TOPIC_PRICE_TICKS,
      ticks.map((value) => ({ value })),
    );
  }
}
