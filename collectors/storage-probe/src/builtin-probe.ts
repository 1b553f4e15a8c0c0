import { randomFillSync } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { LatencyRecorder } from "./latency-recorder.js";
import { isRandom, isRead, type ResolvedProfile } from "./profiles.js";
import type { DirectionResult, ProfileResult } from "./result.js";

/** Node's file I/O runs on the libuv thread pool (4 threads by default): deeper queues add nothing. */
const MAX_WORKERS = 16;
const LAYOUT_CHUNK = 1024 * 1024;

export interface BuiltinProbeOptions {
  profile: ResolvedProfile;
  file: string;
  signal: AbortSignal;
}

/**
 * Measures a profile without fio, with Node's file API. Less precise than fio: buffered I/O only
 * (reads may come from the page cache), timings include the thread pool's hand-off, and the queue
 * depth is capped by the thread pool. Results are tagged `engine=builtin`.
 */
export async function probeBuiltin(options: BuiltinProbeOptions): Promise<ProfileResult> {
  const { profile, file, signal } = options;
  if (profile.fileSize < profile.bs) {
    throw new Error(
      `profile ${profile.name}: file size ${profile.fileSize} is smaller than its block size ${profile.bs}`,
    );
  }
  const handle = await open(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    if (isRead(profile.rw)) await layOut(handle, profile.fileSize, signal);
    const io = new LatencyRecorder();
    const sync = new LatencyRecorder();
    const blocks = Math.floor(profile.fileSize / profile.bs);
    let cursor = 0;
    let bytes = 0;
    const nextOffset = () => {
      if (isRandom(profile.rw)) return Math.floor(Math.random() * blocks) * profile.bs;
      const offset = cursor * profile.bs;
      cursor = (cursor + 1) % blocks;
      return offset;
    };
    const workers = profile.fsync > 0 ? 1 : Math.min(profile.iodepth, MAX_WORKERS);
    const began = process.hrtime.bigint();
    const deadline = began + BigInt(Math.round(profile.runtimeMs * 1e6));

    const worker = async () => {
      const buffer = Buffer.alloc(profile.bs);
      if (!isRead(profile.rw)) randomFillSync(buffer);
      let sinceSync = 0;
      while (process.hrtime.bigint() < deadline) {
        throwIfAborted(signal, profile.name);
        const offset = nextOffset();
        const start = process.hrtime.bigint();
        const { bytesRead, bytesWritten } = await transfer(handle, buffer, offset, isRead(profile.rw));
        io.record(Number(process.hrtime.bigint() - start));
        bytes += bytesRead + bytesWritten;
        if (profile.fsync > 0 && ++sinceSync >= profile.fsync) {
          sinceSync = 0;
          const syncStart = process.hrtime.bigint();
          await handle.sync();
          sync.record(Number(process.hrtime.bigint() - syncStart));
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    throwIfAborted(signal, profile.name);

    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const directions: DirectionResult[] = [
      {
        rw: isRead(profile.rw) ? "read" : "write",
        bwBytes: bytes / seconds,
        iops: io.count / seconds,
        ioBytes: bytes,
        ios: io.count,
        runtimeSeconds: seconds,
        errors: 0,
        ...latencies(io),
      },
    ];
    if (sync.count > 0) {
      directions.push({
        rw: "sync",
        iops: sync.count / seconds,
        ios: sync.count,
        runtimeSeconds: seconds,
        errors: 0,
        ...latencies(sync),
      });
    }
    return { profile: profile.name, engine: "builtin", direct: false, directions };
  } finally {
    await handle.close().catch(() => {});
    await unlink(file).catch(() => {});
  }
}

async function transfer(handle: FileHandle, buffer: Buffer, offset: number, read: boolean) {
  if (read) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return { bytesRead, bytesWritten: 0 };
  }
  const { bytesWritten } = await handle.write(buffer, 0, buffer.length, offset);
  return { bytesRead: 0, bytesWritten };
}

/** Reads need data to read: write the file once, untimed, as fio does. */
async function layOut(handle: FileHandle, size: number, signal: AbortSignal): Promise<void> {
  const chunk = randomFillSync(Buffer.alloc(Math.min(LAYOUT_CHUNK, size)));
  for (let offset = 0; offset < size; offset += chunk.length) {
    throwIfAborted(signal, "layout");
    await handle.write(chunk, 0, Math.min(chunk.length, size - offset), offset);
  }
  await handle.sync();
}

function latencies(recorder: LatencyRecorder) {
  const [p50, p99, p999] = recorder.percentiles([50, 99, 99.9]);
  return { latMeanNs: recorder.mean(), latP50Ns: p50, latP99Ns: p99, latP999Ns: p999 };
}

function throwIfAborted(signal: AbortSignal, what: string): void {
  if (!signal.aborted) return;
  const reason = signal.reason as unknown;
  throw new Error(`builtin probe ${what} stopped: ${reason instanceof Error ? reason.message : "aborted"}`);
}
