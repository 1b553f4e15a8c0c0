import { duration, z } from "@platform-metrics/sdk";
import { size } from "./size.js";

export const RW_MODES = ["read", "write", "randread", "randwrite"] as const;
export type RwMode = (typeof RW_MODES)[number];

export const profileSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected lowercase letters, digits and -, at most 32 characters"),
    rw: z.enum(RW_MODES),
    bs: size({ min: 512 }),
    /** Default: the `iodepth` setting. */
    iodepth: z.number().int().min(1).max(1024).optional(),
    /** Sync the file after every N writes (fio's `fsync`). */
    fsync: z.number().int().min(0).optional(),
    /** Overrides the `direct` setting for this profile. */
    direct: z.boolean().optional(),
    /** Overrides the `ioengine` setting for this profile. */
    ioengine: z
      .string()
      .regex(/^[a-z0-9_]+$/, "expected an fio ioengine name such as libaio")
      .optional(),
    /** Overrides the `fileSize` setting for this profile. */
    fileSize: size({ min: 4096 }).optional(),
    /** Overrides the `runtime` setting for this profile. */
    runtime: duration({ min: "100ms" }).optional(),
  })
  .strict();

export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;

/** A profile with every setting filled in from the collector's config. */
export interface ResolvedProfile {
  name: string;
  rw: RwMode;
  bs: number;
  iodepth: number;
  fsync: number;
  direct: boolean;
  ioengine: string;
  fileSize: number;
  runtimeMs: number;
}

const MiB = 1024 * 1024;

/**
 * The defaults: sequential throughput with 1 MiB blocks, random IOPS with 4 KiB blocks at the
 * configured queue depth, and the latency of a write followed by fsync, as a database's log does.
 */
export const DEFAULT_PROFILES: readonly Profile[] = [
  { name: "seq-read", rw: "read", bs: MiB, iodepth: 4 },
  { name: "seq-write", rw: "write", bs: MiB, iodepth: 4 },
  { name: "rand-read", rw: "randread", bs: 4096 },
  { name: "rand-write", rw: "randwrite", bs: 4096 },
  // Buffered writes with a synchronous engine: the fsync is what is measured, as etcd's docs advise.
  { name: "fsync", rw: "write", bs: 4096, iodepth: 1, fsync: 1, direct: false, ioengine: "psync" },
];

export const DEFAULT_PROFILE_NAMES = DEFAULT_PROFILES.map((p) => p.name);

/** A name of a default profile, or an object that defines a profile. */
const profileItem = z.unknown().transform((item, ctx): Profile => {
  if (typeof item === "string") {
    const found = DEFAULT_PROFILES.find((p) => p.name === item);
    if (found) return found;
    ctx.addIssue({
      code: "custom",
      message: `unknown profile ${JSON.stringify(item)}; expected one of ${DEFAULT_PROFILE_NAMES.join(", ")} or a profile object`,
    });
    return z.NEVER;
  }
  const parsed = profileSchema.safeParse(item);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    ctx.addIssue({ code: "custom", message: `${where}${issue.message}` });
  }
  return z.NEVER;
});

/**
 * `profiles` setting: names of default profiles (comma-separated in the environment), or, in the
 * PM_CONFIG file, objects that define a profile of their own.
 */
export const profilesSetting = z
  .preprocess(
    (value) =>
      typeof value === "string"
        ? value
            .split(",")
            .map((item) => item.trim())
            .filter(Boolean)
        : value,
    z
      .array(profileItem)
      .min(1, "expected at least one profile")
      .transform((profiles, ctx) => {
        const names = profiles.map((p) => p.name);
        const duplicate = names.find((name, index) => names.indexOf(name) !== index);
        if (duplicate !== undefined) {
          ctx.addIssue({ code: "custom", message: `profile ${JSON.stringify(duplicate)} is listed twice` });
          return z.NEVER;
        }
        return profiles;
      }),
    // The docs' type column: the zod type (a preprocess) says nothing useful.
  )
  .meta({ settingType: "list of profile names or objects" });

export interface ProfileDefaults {
  iodepth: number;
  direct: boolean;
  ioengine: string;
  fileSize: number;
  runtime: number;
}

export function resolveProfile(profile: Profile, defaults: ProfileDefaults): ResolvedProfile {
  return {
    name: profile.name,
    rw: profile.rw,
    bs: profile.bs,
    iodepth: profile.iodepth ?? defaults.iodepth,
    fsync: profile.fsync ?? 0,
    direct: profile.direct ?? defaults.direct,
    ioengine: profile.ioengine ?? defaults.ioengine,
    fileSize: profile.fileSize ?? defaults.fileSize,
    runtimeMs: profile.runtime ?? defaults.runtime,
  };
}

export function isRead(rw: RwMode): boolean {
  return rw === "read" || rw === "randread";
}

export function isRandom(rw: RwMode): boolean {
  return rw === "randread" || rw === "randwrite";
}
