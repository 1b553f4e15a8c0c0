import { type CliOption, type CommonConfig, duration, z } from "@platform-metrics/sdk";
import { DEFAULT_PROFILE_NAMES, DEFAULT_PROFILES, profilesSetting, resolveProfile } from "./profiles.js";
import { size } from "./size.js";

const MiB = 1024 * 1024;

const ownSettings = z.object({
  volumePath: z.string().min(1).describe("directory of the mounted volume to measure (required)"),
  volumeName: z
    .string()
    .min(1)
    .optional()
    .describe("the volume tag (default the directory's name, e.g. the PVC mount's last path part)"),
  profiles: profilesSetting
    .default(() => DEFAULT_PROFILES.slice())
    .describe(`profiles to run, comma-separated (default ${DEFAULT_PROFILE_NAMES.join(",")})`),
  fileSize: size({ min: 4096 })
    .default(64 * MiB)
    .describe("size of each profile's test file, e.g. 4k, 64MiB or 1GiB, binary multiples (default 64MiB)"),
  runtime: duration({ min: "100ms" }).default(3000).describe("how long each profile runs (default 3s)"),
  direct: z
    .boolean()
    .default(true)
    .describe("O_DIRECT I/O, past the page cache; falls back to buffered where refused (default true)"),
  ioengine: z
    .string()
    .regex(/^[a-z0-9_]+$/, "expected an fio ioengine name such as libaio, io_uring or psync")
    .default("libaio")
    .describe("fio ioengine of the profiles that name none (default libaio)"),
  iodepth: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(32)
    .describe("queue depth of the random profiles (default 32)"),
  engine: z
    .enum(["auto", "fio", "builtin"])
    .default("auto")
    .describe("auto (fio, else the built-in Node probe), fio, or builtin (default auto)"),
  fioPath: z.string().min(1).default("fio").describe("the fio binary (default fio, from PATH)"),
  fioTimeout: duration({ min: "1s" })
    .optional()
    .describe("kill an fio run after this long (default the profile's runtime + 60s)"),
  workDirName: z
    .string()
    .regex(/^(?!\.{1,2}$)[A-Za-z0-9._-]+$/, "expected a plain directory name such as .pm-storage-probe")
    .default(".pm-storage-probe")
    .describe("the probe's own sub-directory of the volume (default .pm-storage-probe)"),
  freeSpaceReserve: size({ min: 0 })
    .default(64 * MiB)
    .describe("free space to leave on the volume beyond the largest test file (default 64MiB)"),
});

/** The profiles with the settings applied, as each round runs them. */
export function resolvedProfiles(config: z.output<typeof ownSettings>) {
  return config.profiles.map((profile) =>
    resolveProfile(profile, {
      iodepth: config.iodepth,
      direct: config.direct,
      ioengine: config.ioengine,
      fileSize: config.fileSize,
      runtime: config.runtime,
    }),
  );
}

/** The collector's own settings; a file smaller than its block size is refused at start. */
export const configSchema = ownSettings.superRefine((config, ctx) => {
  for (const profile of resolvedProfiles(config)) {
    if (profile.fileSize < profile.bs) {
      ctx.addIssue({
        code: "custom",
        message: `profile ${profile.name}: its file (${profile.fileSize} bytes, PM_FILE_SIZE) is smaller than its block size (${profile.bs} bytes, PM_PROFILES)`,
      });
    }
  }
});

export type StorageProbeConfig = z.output<typeof configSchema> & CommonConfig;

/** Flags for the most used settings; `--help` takes their text from the schema. */
export const cliOptions: Record<string, CliOption> = {
  "volume-path": { type: "string" },
  "volume-name": { type: "string" },
  profiles: { type: "string" },
  engine: { type: "string" },
};
