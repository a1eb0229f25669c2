/**
 * Who has an active webhook, remembered so that a notification of anyone else (nearly all of them) costs the
 * deliverer no query. Read whole at first use and every `refreshMs`; this process's own adds apply at once, so a
 * webhook added through another replica starts receiving within `refreshMs`.
 */
export class WebhookOwners {
  readonly #load: () => Promise<string[]>;
  readonly #refreshMs: number;
  #owners: Set<string> | undefined;
  /** Added while a load was under way: the load's answer may predate them. */
  #addedDuringLoad = new Set<string>();
  #loading: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(load: () => Promise<string[]>, refreshMs = 5_000) {
    this.#load = load;
    this.#refreshMs = refreshMs;
  }

  async has(userId: string): Promise<boolean> {
    if (this.#owners === undefined) await this.refresh();
    return this.#owners!.has(userId);
  }

  add(userId: string): void {
    this.#owners?.add(userId);
    if (this.#loading) this.#addedDuringLoad.add(userId);
  }

  refresh(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const owners = new Set(await this.#load());
        for (const userId of this.#addedDuringLoad) owners.add(userId);
        this.#owners = owners;
      } finally {
        this.#addedDuringLoad = new Set();
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  /** Refreshes on an interval until stopped; a failed refresh keeps the last answer (and says so). */
  start(onError: (error: unknown) => void): void {
    this.#timer ??= setInterval(() => this.refresh().catch(onError), this.#refreshMs);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
