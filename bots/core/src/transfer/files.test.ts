import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_IMPORT_BYTES } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadCapped, FileTooLargeError, FileUnavailableError } from "./files.ts";

const TEN_MB = 10 * 1024 * 1024;
let server: Server;
let base: string;
/** Bytes the chunked route managed to write before the client went away. */
let chunkedWritten = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/declared") {
      res.writeHead(200, { "content-length": TEN_MB });
      res.end(Buffer.alloc(TEN_MB, "a"));
    } else if (req.url === "/chunked") {
      // No length: a 10 MB stream, written while the client reads.
      res.writeHead(200, { "content-type": "text/csv" });
      const chunk = Buffer.alloc(64 * 1024, "b");
      const write = () => {
        while (chunkedWritten < TEN_MB) {
          chunkedWritten += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", write);
        }
        res.end();
      };
      res.on("close", () => res.destroy());
      write();
    } else if (req.url === "/small") {
      res.end("type,symbol\n");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("downloadCapped", () => {
  it("refuses by the declared length before reading", async () => {
    const error = await downloadCapped(`${base}/declared`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).bytes).toBe(TEN_MB);
  });

  it("stops a stream without a length once past the cap, long before its end", async () => {
    const error = await downloadCapped(`${base}/chunked`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).bytes).toBeGreaterThan(MAX_IMPORT_BYTES);
    expect((error as FileTooLargeError).bytes).toBeLessThan(2 * MAX_IMPORT_BYTES);
  });

  it("reads a small file whole, and says a missing one is unavailable", async () => {
    expect(new TextDecoder().decode(await downloadCapped(`${base}/small`))).toBe("type,symbol\n");
    await expect(downloadCapped(`${base}/gone`)).rejects.toBeInstanceOf(FileUnavailableError);
  });
});
