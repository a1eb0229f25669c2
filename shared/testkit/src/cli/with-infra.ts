// Runs a command (the test or bench runner) with the shared test infrastructure up for its whole duration,
// so every package's suite uses one broker instead of starting its own.
import { spawn } from "node:child_process";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: with-infra <command> [args...]");
  process.exit(2);
}

const child = spawn(command, args, { stdio: "inherit", env: process.env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
