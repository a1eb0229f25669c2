// Paths and facts of the repository that the deployment tests check against.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isPlaceholder } from "@tickerbell/config";
import type { EnvSchema } from "../../src/deploy/compose-checks.ts";
import { COMPOSE_JOBS, DEPLOYABLES } from "../../src/deploy/workspaces.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export function repoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), "utf8");
}

/** The broker version pinned in shared/testkit/kafka/pom.xml (see KAFKA.md). */
export function pinnedKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(repoFile("shared/testkit/kafka/pom.xml"));
  if (!match) throw new Error("shared/testkit/kafka/pom.xml has no <kafka.version>");
  return match[1]!;
}

/** The Node version the project runs on: the root devDependency `node`. */
export function pinnedNodeVersion(): string {
  const root = JSON.parse(repoFile("package.json")) as { devDependencies: Record<string, string> };
  const version = root.devDependencies.node;
  if (version === undefined) throw new Error("the root package.json has no devDependency node");
  return version;
}

/**
 * A schema that reads an example environment as the operator fills it in: every placeholder of .env.example
 * or the k8s secret template stands for a real value (the services refuse the placeholders themselves).
 */
function readingPlaceholdersAsFilledIn(schema: EnvSchema): EnvSchema {
  return {
    shape: schema.shape,
    safeParse: (input) =>
      schema.safeParse(
        Object.fromEntries(
          Object.entries(input as Record<string, string>).map(([key, value]) => [
            key,
            isPlaceholder(value) ? value.replace(/replace-with/gi, "filled-in") : value,
          ]),
        ),
      ),
  };
}

/** Each deployable's and compose job's env schema, imported from its own env.ts, by compose service name. */
export async function loadEnvSchemas(): Promise<Map<string, EnvSchema>> {
  const schemas = new Map<string, EnvSchema>();
  for (const deployable of [...DEPLOYABLES, ...COMPOSE_JOBS]) {
    const path = join(REPO_ROOT, deployable.workspace, "src/env.ts");
    if (!existsSync(path)) continue;
    const module = (await import(path)) as Record<string, unknown>;
    const schema = module[deployable.envSchemaExport];
    if (schema !== undefined)
      schemas.set(deployable.service, readingPlaceholdersAsFilledIn(schema as EnvSchema));
  }
  return schemas;
}
