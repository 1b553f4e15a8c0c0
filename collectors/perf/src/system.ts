import { intAfter, parseIntAt } from "./proc/parse-numbers.js";
import { ProcFile, type ReadBuffer } from "./proc/read-buffer.js";

export interface SystemReading {
  /** Busy share of all CPUs since the last reading (100 = all busy); undefined on the first. */
  cpuPercent: number | undefined;
  cpuUserPercent: number | undefined;
  cpuSystemPercent: number | undefined;
  cpuIowaitPercent: number | undefined;
  cpus: number | undefined;
  memTotalBytes: number | undefined;
  memAvailableBytes: number | undefined;
  swapTotalBytes: number | undefined;
  swapFreeBytes: number | undefined;
  load1: number | undefined;
  load5: number | undefined;
  load15: number | undefined;
  processesRunning: number | undefined;
  processesTotal: number | undefined;
}

interface CpuTimes {
  user: number;
  system: number;
  idle: number;
  iowait: number;
  total: number;
}

/** Host CPU, memory and load from /proc/stat, /proc/meminfo and /proc/loadavg, kept open. */
export class SystemSampler {
  private readonly stat: ProcFile;
  private readonly meminfo: ProcFile;
  private readonly loadavg: ProcFile;
  private previous: CpuTimes | undefined;

  constructor(
    procRoot: string,
    private readonly buffer: ReadBuffer,
  ) {
    this.stat = new ProcFile(`${procRoot}/stat`);
    this.meminfo = new ProcFile(`${procRoot}/meminfo`);
    this.loadavg = new ProcFile(`${procRoot}/loadavg`);
  }

  /** Reads the three files; a file that cannot be read leaves its fields undefined. */
  sample(): SystemReading {
    const reading: SystemReading = {
      cpuPercent: undefined,
      cpuUserPercent: undefined,
      cpuSystemPercent: undefined,
      cpuIowaitPercent: undefined,
      cpus: undefined,
      memTotalBytes: undefined,
      memAvailableBytes: undefined,
      swapTotalBytes: undefined,
      swapFreeBytes: undefined,
      load1: undefined,
      load5: undefined,
      load15: undefined,
      processesRunning: undefined,
      processesTotal: undefined,
    };
    this.readCpu(reading);
    this.readMemory(reading);
    this.readLoad(reading);
    return reading;
  }

  close(): void {
    this.stat.close();
    this.meminfo.close();
    this.loadavg.close();
  }

  private tryRead(file: ProcFile): number | undefined {
    try {
      return file.read(this.buffer);
    } catch {
      return undefined;
    }
  }

  private readCpu(reading: SystemReading): void {
    const length = this.tryRead(this.stat);
    if (length === undefined) return;
    const bytes = this.buffer.bytes;
    if (bytes.indexOf("cpu ", 0, "latin1") !== 0) return;
    // cpu  user nice system idle iowait irq softirq steal (guest time is already inside user)
    const values: number[] = [];
    let pos = 4;
    for (let i = 0; i < 8; i++) {
      while (pos < length && bytes[pos] === 0x20) pos++;
      const value = parseIntAt(bytes, pos, length);
      if (value === undefined) break;
      values.push(value);
      while (pos < length && bytes[pos] !== 0x20 && bytes[pos] !== 0x0a) pos++;
    }
    if (values.length < 4) return;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
    const now: CpuTimes = {
      user: user + nice,
      system: system + irq + softirq,
      idle,
      iowait,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
    };
    let cpus = 0;
    for (let at = bytes.indexOf("\ncpu", 0, "latin1"); at !== -1 && at < length; ) {
      if (bytes[at + 4]! >= 0x30 && bytes[at + 4]! <= 0x39) cpus++;
      at = bytes.indexOf("\ncpu", at + 4, "latin1");
    }
    reading.cpus = cpus > 0 ? cpus : undefined;
    const before = this.previous;
    this.previous = now;
    const elapsed = before ? now.total - before.total : 0;
    if (!before || elapsed <= 0) return;
    const share = (delta: number) => (Math.max(0, delta) / elapsed) * 100;
    reading.cpuPercent = share(elapsed - (now.idle - before.idle) - (now.iowait - before.iowait));
    reading.cpuUserPercent = share(now.user - before.user);
    reading.cpuSystemPercent = share(now.system - before.system);
    reading.cpuIowaitPercent = share(now.iowait - before.iowait);
  }

  private readMemory(reading: SystemReading): void {
    const length = this.tryRead(this.meminfo);
    if (length === undefined) return;
    const kib = (label: string) => {
      const value = intAfter(this.buffer.bytes, length, label);
      return value === undefined ? undefined : value * 1024;
    };
    reading.memTotalBytes = kib("MemTotal:");
    reading.memAvailableBytes = kib("\nMemAvailable:");
    reading.swapTotalBytes = kib("\nSwapTotal:");
    reading.swapFreeBytes = kib("\nSwapFree:");
  }

  private readLoad(reading: SystemReading): void {
    const length = this.tryRead(this.loadavg);
    if (length === undefined) return;
    // "0.52 0.58 0.59 2/345 12345"
    const parts = this.buffer.bytes.toString("latin1", 0, length).trim().split(/\s+/);
    const load = parts.slice(0, 3).map(Number);
    if (load.length === 3 && load.every(Number.isFinite))
      [reading.load1, reading.load5, reading.load15] = load;
    const [running, total] = (parts[3] ?? "").split("/").map(Number);
    if (Number.isInteger(running) && Number.isInteger(total)) {
      reading.processesRunning = running;
      reading.processesTotal = total;
    }
  }
}
