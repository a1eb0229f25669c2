import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The pom that pins the broker version; see shared/testkit/KAFKA.md. */
export const KAFKA_POM = fileURLToPath(new URL("../../kafka/pom.xml", import.meta.url));

/**
 * Resolves the Kafka broker + tools jars with Maven (downloaded into ~/.m2 on the first run) and returns the
 * Java classpath. The resolved classpath is remembered per pom content, so later starts skip Maven entirely as
 * long as every jar is still on disk.
 */
export async function resolveKafkaClasspath(): Promise<string> {
  const pom = await readFile(KAFKA_POM);
  const digest = createHash("sha256").update(pom).digest("hex").slice(0, 16);
  const cacheDir = join(tmpdir(), "tickerbell-kafka");
  const cached = join(cacheDir, `classpath-${digest}.txt`);
  if (existsSync(cached)) {
    const classpath = (await readFile(cached, "utf8")).trim();
    if (classpath.split(":").every((jar) => existsSync(jar))) return classpath;
  }
  await mkdir(cacheDir, { recursive: true });
  const output = `${cached}.${process.pid}.tmp`;
  try {
    await run(
      "mvn",
      ["-B", "-q", "-f", KAFKA_POM, "dependency:build-classpath", `-Dmdep.outputFile=${output}`],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `Maven could not resolve the Kafka broker jars from ${KAFKA_POM}: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
  const classpath = (await readFile(output, "utf8")).trim();
  if (!classpath) throw new Error(`Maven produced an empty classpath for ${KAFKA_POM}`);
  // Renamed into place so that a concurrent start never reads a half-written file.
  await rename(output, cached);
  return classpath;
}

/** Reads the pinned Kafka version out of the pom (for logs and the benchmark report). */
export async function pinnedKafkaVersion(): Promise<string> {
  const pom = await readFile(KAFKA_POM, "utf8");
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${KAFKA_POM}`);
  return match[1];
}
