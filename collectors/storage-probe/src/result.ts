/** What one direction of one profile measured, in the units written to `storage_io`. */
export interface DirectionResult {
  /** `read`, `write`, or `sync` (the fsync/fdatasync calls of a profile that syncs). */
  rw: "read" | "write" | "sync";
  bwBytes?: number;
  iops: number;
  ioBytes?: number;
  ios?: number;
  latMeanNs: number;
  latP50Ns?: number;
  latP99Ns?: number;
  latP999Ns?: number;
  runtimeSeconds: number;
  /** I/O errors the engine counted while going on (fio's `total_err`). */
  errors: number;
}

export interface ProfileResult {
  profile: string;
  engine: "fio" | "builtin";
  /** Whether O_DIRECT was used. */
  direct: boolean;
  directions: DirectionResult[];
}
