const DISCORD_EPOCH_MS = 1_420_070_400_000n;
let increment = 0n;

/** A Discord-shaped snowflake whose timestamp is now, so discord.js derives sensible creation times from it. */
export function nextSnowflake(now: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(now) - DISCORD_EPOCH_MS) << 22n) | (1n << 17n) | increment).toString();
}
