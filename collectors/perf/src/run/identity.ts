import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { basename } from "node:path";

/** Tags that identify a run-mode run; every bench_result, test_result and perf_run of it carries them. */
export interface RunTags {
  run: string;
  project: string | undefined;
  branch: string | undefined;
  commit: string | undefined;
  host: string;
  pod: string | undefined;
}

export interface IdentityInput {
  env: NodeJS.ProcessEnv;
  cwd: string;
  host: string;
  podName: string | undefined;
  /** PM_RUN, PM_PROJECT, PM_BRANCH, PM_COMMIT: win over everything found. */
  given: { run?: string; project?: string; branch?: string; commit?: string };
  now?: Date;
}

// The usual CI variables, first found wins (GitHub Actions, GitLab CI, Bitbucket, Buildkite, CircleCI, Jenkins).
const CI_PROJECT = ["GITHUB_REPOSITORY", "CI_PROJECT_PATH", "BITBUCKET_REPO_FULL_NAME"];
const CI_BRANCH = [
  "GITHUB_HEAD_REF", // pull requests: the branch proposed (GITHUB_REF_NAME is then "<n>/merge")
  "GITHUB_REF_NAME",
  "CI_COMMIT_REF_NAME",
  "BITBUCKET_BRANCH",
  "BUILDKITE_BRANCH",
  "CIRCLE_BRANCH",
  "BRANCH_NAME",
  "GIT_BRANCH",
];
const CI_COMMIT = [
  "GITHUB_SHA",
  "CI_COMMIT_SHA",
  "BITBUCKET_COMMIT",
  "BUILDKITE_COMMIT",
  "CIRCLE_SHA1",
  "GIT_COMMIT",
];

/** What identifies this run without configuration: the settings, then CI variables, then git, then the folder. */
export function runIdentity(input: IdentityInput): RunTags {
  const { env, given } = input;
  const fromEnv = (names: string[]) => names.map((name) => env[name]?.trim()).find((value) => value);
  const git = gitFacts(input.cwd);
  return {
    run: given.run ?? newRunId(input.now ?? new Date()),
    project: given.project ?? fromEnv(CI_PROJECT) ?? git?.project ?? (basename(input.cwd) || undefined),
    branch: given.branch ?? fromEnv(CI_BRANCH) ?? git?.branch,
    commit: given.commit ?? fromEnv(CI_COMMIT) ?? git?.commit,
    host: input.host,
    // In a pod the host name is the pod's name; PM_POD_NAME (downward API) says so for sure.
    pod: input.podName ?? (env.KUBERNETES_SERVICE_HOST ? input.host : undefined),
  };
}

/** `20261202T173512Z-4f2a9c`: sorts by start time, and two runs started in the same second differ. */
export function newRunId(now: Date): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${time}-${randomBytes(3).toString("hex")}`;
}

function gitFacts(
  cwd: string,
): { project: string | undefined; branch?: string; commit?: string } | undefined {
  const head = git(cwd, ["rev-parse", "--show-toplevel", "HEAD", "--abbrev-ref", "HEAD"]);
  if (!head) return undefined;
  const [top = "", commit, branch] = head.split("\n");
  const remote = git(cwd, ["config", "--get", "remote.origin.url"]);
  return {
    project: (remote && projectOfRemote(remote)) || basename(top) || undefined,
    commit: commit || undefined,
    // A detached HEAD (CI checkouts) has no branch.
    branch: branch && branch !== "HEAD" ? branch : undefined,
  };
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", cwd, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined; // no git, not a work tree, or no commit yet
  }
}

/**
 * The repository's path on its host, e.g. `acme/widgets` from `git@github.com:acme/widgets.git` or
 * `https://user:token@gitlab.com/acme/widgets`; never the user or token a URL may hold.
 */
export function projectOfRemote(url: string): string | undefined {
  const text = url.trim();
  const scp = /^(?:[^@/:]+@)?[^/:]+:(?!\/\/)(.+)$/.exec(text);
  let path: string;
  if (scp && !/^[a-z]+:\/\//i.test(text)) path = scp[1]!;
  else {
    try {
      const parsed = new URL(text);
      path = parsed.protocol === "file:" ? basename(parsed.pathname) : parsed.pathname;
    } catch {
      path = basename(text); // a local path
    }
  }
  const cleaned = path.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  return cleaned || undefined;
}
