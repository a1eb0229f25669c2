// Imported first by main.ts, so the variables of `.env` are in place before any module reads the environment.
// `npm start` used Node's --env-file-if-exists for this, but Node 24 then prints ".env not found. Continuing
// without it." on every start without the file: the first line a newcomer saw looked like a problem.
// As with that flag, the file is `.env` in the working directory (Node's own parser reads it) and a variable
// already set in the environment wins over it.
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";

const DOTENV = ".env";

function readDotEnv(): string | null {
  try {
    return readFileSync(DOTENV, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    console.error(
      `Tickerbell could not start: could not read ${DOTENV}: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}

const text = readDotEnv();
if (text !== null)
  for (const [name, value] of Object.entries(parseEnv(text)))
    if (process.env[name] === undefined) process.env[name] = value;
