import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Batch, BatchQueue, QueueLimits } from "./batch.js";

interface SpoolEntry {
  file: string;
  lines: number;
  bytes: number;
}

const SUFFIX = ".batch";

/**
 * A bounded FIFO of batches on disk, one file per batch, so batches survive a collector restart
 * (SIGKILL included). A file is written under a temporary name and renamed, so a half-written batch
 * is never replayed. Only metadata stays in memory. The file starts with a JSON header line.
 */
export class DiskSpool implements BatchQueue {
  private entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private totalPoints = 0;
  private nextSeq = 1;
  /** Whether the first entry was handed out by `peek` and is being sent. */
  private headInFlight = false;

  constructor(
    private readonly dir: string,
    private readonly limits: QueueLimits,
    private readonly onCorrupt: (file: string, reason: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  get batches(): number {
    return this.entries.length;
  }

  get points(): number {
    return this.totalPoints;
  }

  async push(batch: Batch): Promise<void> {
    const name = `${String(this.nextSeq++).padStart(12, "0")}${SUFFIX}`;
    const header = JSON.stringify({ id: batch.id, subject: batch.subject, lines: batch.lines });
    const tmp = join(this.dir, `${name}.tmp`);
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, `${header}\n`);
      if (typeof batch.payload === "string") writeSync(fd, batch.payload);
      else writeAllSync(fd, batch.payload);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    this.add({ file: name, lines: batch.lines, bytes: batch.bytes });
    while (
      this.entries.length > this.limits.maxBatches ||
      (this.totalBytes > this.limits.maxBytes && this.entries.length > 1)
    ) {
      const oldest = this.headInFlight ? 1 : 0;
      // Never the batch being sent, nor the one just added.
      if (oldest >= this.entries.length - 1) break;
      const dropped = this.entries[oldest]!;
      this.remove(oldest);
      this.limits.onDrop(dropped);
    }
  }

  async peek(): Promise<Batch | undefined> {
    while (this.entries.length > 0) {
      const batch = this.read(this.entries[0]!.file);
      if (batch) {
        this.headInFlight = true;
        return batch;
      }
      this.remove(0);
    }
    return undefined;
  }

  async shift(): Promise<void> {
    this.headInFlight = false;
    if (this.entries.length > 0) this.remove(0);
  }

  private load(): void {
    const names = readdirSync(this.dir).sort();
    for (const name of names) {
      // A .tmp file is a batch whose write was cut off: it was never acknowledged to anyone.
      if (name.endsWith(".tmp")) rmSync(join(this.dir, name), { force: true });
      if (!name.endsWith(SUFFIX)) continue;
      const batch = this.read(name);
      if (!batch) continue;
      this.add({ file: name, lines: batch.lines, bytes: batch.bytes });
      this.nextSeq = Math.max(this.nextSeq, Number.parseInt(name, 10) + 1);
    }
  }

  private read(file: string): Batch | undefined {
    const path = join(this.dir, file);
    try {
      const text = readFileSync(path, "utf8");
      const newline = text.indexOf("\n");
      const header = JSON.parse(text.slice(0, newline)) as {
        id?: unknown;
        subject?: unknown;
        lines?: unknown;
      };
      if (
        typeof header.id !== "string" ||
        typeof header.subject !== "string" ||
        typeof header.lines !== "number"
      ) {
        throw new Error("header lacks id, subject or lines");
      }
      const payload = text.slice(newline + 1);
      return {
        id: header.id,
        subject: header.subject,
        lines: header.lines,
        payload,
        bytes: Buffer.byteLength(payload),
      };
    } catch (error) {
      this.onCorrupt(path, (error as Error).message);
      rmSync(path, { force: true });
      return undefined;
    }
  }

  private add(entry: SpoolEntry): void {
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
    this.totalPoints += entry.lines;
  }

  private remove(index: number): void {
    const [entry] = this.entries.splice(index, 1) as [SpoolEntry];
    this.totalBytes -= entry.bytes;
    this.totalPoints -= entry.lines;
    rmSync(join(this.dir, entry.file), { force: true });
  }
}

/** writeSync may write less than asked (a full disk, a signal); a batch file must be whole or absent. */
function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}
