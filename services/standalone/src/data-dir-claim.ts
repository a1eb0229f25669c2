import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartFailure } from "./start-failure.ts";

/** The file in DATA_DIR naming the process that runs on it. */
export const CLAIM_FILE = "tickerbell.pid";

/**
 * Claims DATA_DIR for this process, or fails with a StartFailure naming the process that has it. The embedded
 * database is one process's files: a second Tickerbell opening them while the first runs would corrupt them,
 * so this comes before the database opens. Answers the release, which removes the claim if it is still ours.
 */
export function claimDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CLAIM_FILE);
  // Two rounds: a stale claim is removed in the first, and a start racing ours may win the second.
  for (let round = 0; round < 2; round++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => {
        try {
          if (readFileSync(file, "utf8").trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
    }
    let pid: number;
    try {
      pid = Number(readFileSync(file, "utf8").trim());
    } catch {
      // Released between our attempt and this read: try again.
      continue;
    }
    // Our own pid in a stale file happens in containers, where every start is pid 1.
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new StartFailure(
        `another Tickerbell (process ${pid}) is already running on ${dir} (DATA_DIR): stop it first, or set DATA_DIR to another directory`,
      );
    }
    // Left by a process that died without cleaning up: take it over.
    rmSync(file, { force: true });
  }
  throw new StartFailure(
    `another Tickerbell is starting on ${dir} (DATA_DIR) at the same moment: stop it first, or set DATA_DIR to another directory`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by another user.
    return (error as { code?: unknown }).code === "EPERM";
  }
}
