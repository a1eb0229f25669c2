/**
 * The environment of an `npm start` with nothing but the console chat: embedded PGlite in `dataDir`, any free
 * ports, the in-memory bus, simulated prices, no chat platform. `extra` adds to it or overrides it.
 */
export function consoleOnlyEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATA_DIR: dataDir,
    ALERTS_PORT: "0",
    PRICING_PORT: "0",
    KAFKA_BROKERS: "",
    DATABASE_URL: "",
    FINNHUB_API_KEY: "",
    TELEGRAM_TOKEN: "",
    DISCORD_TOKEN: "",
    ...extra,
  };
}
