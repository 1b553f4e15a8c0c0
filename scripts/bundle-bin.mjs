#!/usr/bin/env node
// Bundles a service's bin (a collector's, the relay's) into one ES module (dist/bin.js by default),
// run from the package's folder after `tsc` (which still writes the rest of dist/: index.js, .d.ts,
// the modules the benchmarks and other packages import).
//
//   node ../../scripts/bundle-bin.mjs [entry, default src/bin.ts] [out, default dist/bin.js]
//
// Why: a collector is a long-running sidecar and its memory is mostly Node.js plus what it loads.
// Loaded module by module, the SDK brings every module of zod (with its ~50 locales), the SDK's
// parser, test kit and docs renderer, and all of each dependency's files. One tree-shaken file
// holds only what the bin can reach: for the perf collector 3.5 to 4 MiB less RSS than the same
// modules loaded one by one, about 5 MiB less than before (bench/results/perf-collector.md).
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { build } from "esbuild";

const [entry = "src/bin.ts", outfile = "dist/bin.js"] = process.argv.slice(2);

/**
 * zod's `export * as locales` makes every locale part of the `z` namespace object, which a
 * bundler cannot shake once `z` is used as a value (the SDK re-exports it). Collectors never
 * switch locale (English is registered by zod's schemas module itself, not through this index),
 * so the index of locales becomes an empty module: `z.locales` is `{}` in a bundled bin.
 */
const noZodLocales = {
  name: "no-zod-locales",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/.test(args.importer)
        ? { path: "zod-locales", namespace: "pm-empty" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "pm-empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

const { outputFiles } = await build({
  entryPoints: [entry],
  outdir: dirname(outfile),
  entryNames: basename(outfile, extname(outfile)),
  // What is loaded with import() (the NATS client, only for PM_SINK=nats) stays in files of its
  // own, loaded only then.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  write: false,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // ASCII output: strings and identifiers are escaped (comments are handled below).
  charset: "ascii",
  sourcemap: true,
  sourcesContent: false,
  legalComments: "none",
  // Whitespace and syntax minified: V8 keeps every script's source in memory, and half the source
  // is about 1.5 MiB less RSS. Identifiers are not renamed, so functions and classes keep their own
  // names (error types in the logs, zod's class names, stack traces) without esbuild's keepNames,
  // which names every closure with Object.defineProperty each time one is made: in the perf
  // collector's rounds that cost ~5% CPU and ~0.4 MiB (bench/results/perf-collector.md) for 130 KB
  // less source. The source map leads a stack trace back to the TypeScript (node
  // --enable-source-maps). PM_BUNDLE_MINIFY=0 for a readable bundle.
  minifyWhitespace: process.env.PM_BUNDLE_MINIFY !== "0",
  minifySyntax: process.env.PM_BUNDLE_MINIFY !== "0",
  minifyIdentifiers: false,
  logLevel: "warning",
  plugins: [noZodLocales],
  // CommonJS dependencies (pino and its helpers) call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __pmCreateRequire } from "node:module";\nconst require = __pmCreateRequire(import.meta.url);',
  },
});

// V8 keeps a script's source in memory, as one byte per character only if every character is
// Latin-1: one em dash in a comment of one dependency doubles the whole bundle's source (about
// 1 MiB more). With charset "ascii" esbuild escapes strings and identifiers; regex literals (and
// comments, when not minified) can still hold such characters (see below; the source map's later
// columns on such a line are off by 5 per character).
// Chunk names carry a hash of their content: the last build's would stay beside the new ones.
rmSync(join(dirname(outfile), "chunks"), { recursive: true, force: true });
for (const file of outputFiles) {
  // What esbuild leaves non-ASCII (a regex literal, a comment when not minified) is written as a
  // \uXXXX escape, which means the same in a string, a regex and an identifier: replacing it with
  // anything else would change code (a "µ" in a dependency's regex became "?" and broke it).
  const text = file.text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, text);
  // Executable like any npm bin (tsc wrote dist/bin.js first, without the bit).
  if (file.path.endsWith(".js")) chmodSync(file.path, 0o755);
}
