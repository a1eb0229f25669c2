import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { FileTooLargeError, FileUnavailableError, type IncomingFile, type Reply } from "@tickerbell/bot-core";

/**
 * The file `/import <path>` names, on this machine: its size from stat (a file over the cap is never read), then
 * at most the cap plus one byte.
 */
export function importFileAt(typed: string): IncomingFile {
  const path = typed.trim().replace(/^(["'])(.*)\1$/, "$2");
  let size: number | null = null;
  return {
    name: basename(path),
    get size() {
      return size;
    },
    read: async (maxBytes) => {
      const info = await stat(path).catch(() => null);
      if (info === null) throw new FileUnavailableError(`there is no file at ${path}`);
      if (!info.isFile()) throw new FileUnavailableError(`${path} is not a file`);
      size = info.size;
      if (info.size > maxBytes) throw new FileTooLargeError(info.size, maxBytes);
      const handle = await open(path, "r").catch((error: unknown) => {
        throw new FileUnavailableError(`${path} cannot be read`, error);
      });
      try {
        const buffer = Buffer.alloc(maxBytes + 1);
        let length = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
          if (bytesRead === 0) break;
          length += bytesRead;
          if (length > maxBytes) throw new FileTooLargeError(length, maxBytes);
        }
        return buffer.subarray(0, length);
      } finally {
        await handle.close();
      }
    },
  };
}

/** Writes a reply's picture (a /chart) under `dir`, and gives its path and its sparkline in place of it. */
export function saveChart(reply: Reply, dir: string): Reply {
  const image = reply.image;
  if (image === undefined) return reply;
  const { image: _written, ...rest } = reply;
  try {
    mkdirSync(dir, { recursive: true });
    const dot = image.name.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [image.name.slice(0, dot), image.name.slice(dot)] : [image.name, ""];
    let path = join(dir, image.name);
    for (let n = 2; existsSync(path); n++) path = join(dir, `${stem}-${n}${extension}`);
    writeFileSync(path, image.data);
    return {
      ...rest,
      text: `${reply.text}
${image.sparkline}
Chart saved to ${resolve(path)}`,
    };
  } catch (error) {
    return {
      ...rest,
      text: `${reply.text}
${image.sparkline}
Could not write the chart to ${dir}: ${(error as Error).message}`,
    };
  }
}

/** Writes a reply's file (an export) under `dir`, never over an earlier one, and says where it is. */
export function saveExport(reply: Reply, dir: string): Reply {
  const file = reply.file;
  if (file === undefined) return reply;
  try {
    mkdirSync(dir, { recursive: true });
    const dot = file.name.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [file.name.slice(0, dot), file.name.slice(dot)] : [file.name, ""];
    let path = join(dir, file.name);
    for (let n = 2; existsSync(path); n++) path = join(dir, `${stem}-${n}${extension}`);
    writeFileSync(path, file.data, { mode: 0o600 });
    const { file: _written, ...rest } = reply;
    return { ...rest, text: `${reply.text}\nSaved to ${resolve(path)}` };
  } catch (error) {
    const { file: _unwritten, ...rest } = reply;
    return { ...rest, text: `Could not write the export to ${dir}: ${(error as Error).message}` };
  }
}
