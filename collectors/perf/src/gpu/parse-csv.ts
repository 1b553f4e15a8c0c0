/**
 * Lines of `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`: values separated by ", ",
 * memory in MiB, power in W, temperature in °C. A value the GPU does not report reads "[N/A]" or
 * "[Not Supported]" (newer drivers: other bracketed words), which becomes undefined.
 */
export interface GpuReading {
  index: number;
  uuid: string;
  name: string;
  utilizationPercent: number | undefined;
  memoryUsedMiB: number | undefined;
  memoryTotalMiB: number | undefined;
  powerWatts: number | undefined;
  temperatureCelsius: number | undefined;
}

/** A line of `--query-compute-apps=gpu_uuid,pid,used_memory`. */
export interface AppReading {
  gpuUuid: string;
  pid: number;
  usedMemoryMiB: number | undefined;
}

export const GPU_QUERY =
  "index,uuid,name,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu";
export const APPS_QUERY = "gpu_uuid,pid,used_memory";

const NUMBER = /^-?\d+(\.\d+)?$/;
const NOT_AVAILABLE = /^\[[^\]]*\]$/;

/** A number, undefined for "[N/A]"-like values, or null when the text is neither (a garbage line). */
function value(text: string): number | undefined | null {
  if (NUMBER.test(text)) return Number(text);
  if (NOT_AVAILABLE.test(text)) return undefined;
  return null;
}

function identifier(text: string | undefined): string | undefined {
  return text && !NOT_AVAILABLE.test(text) ? text : undefined;
}

/** Parses one GPU line; undefined when it is not one (an error message, a cut line). */
export function parseGpuLine(line: string): GpuReading | undefined {
  const parts = line.split(",").map((part) => part.trim());
  if (parts.length < 8) return undefined;
  // A name holding a comma would add parts: the name is whatever lies between uuid and the numbers.
  const numbers = parts.slice(-5).map(value);
  if (numbers.some((n) => n === null)) return undefined;
  const index = Number(parts[0]);
  const uuid = identifier(parts[1]);
  const name = parts.slice(2, -5).join(", ");
  if (!Number.isInteger(index) || index < 0 || parts[0] === "" || !uuid || name === "") return undefined;
  const [utilization, used, total, power, temperature] = numbers as (number | undefined)[];
  return {
    index,
    uuid,
    name,
    utilizationPercent: utilization,
    memoryUsedMiB: used,
    memoryTotalMiB: total,
    powerWatts: power,
    temperatureCelsius: temperature,
  };
}

export function parseAppLine(line: string): AppReading | undefined {
  const parts = line.split(",").map((part) => part.trim());
  if (parts.length !== 3) return undefined;
  const gpuUuid = identifier(parts[0]);
  const pid = Number(parts[1]);
  const used = value(parts[2]!);
  if (!gpuUuid || !/^\d+$/.test(parts[1]!) || pid <= 0 || used === null) return undefined;
  return { gpuUuid, pid, usedMemoryMiB: used };
}
