import { EventEmitter } from "node:events";

/**
 * Lets tests await a condition on the fake's recorded state. Every mutation calls `changed()`; a waiter re-runs its
 * probe then, so there is no polling and no fixed sleep.
 */
export class ChangeSignal {
  readonly #events = new EventEmitter();

  constructor() {
    this.#events.setMaxListeners(0);
  }

  changed(): void {
    this.#events.emit("change");
  }

  /** Resolves with the probe's first non-undefined result; rejects naming `what` when `timeoutMs` passes first. */
  until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const onChange = () => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeDiscord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#events.off("change", onChange);
      };
      this.#events.on("change", onChange);
    });
  }
}
