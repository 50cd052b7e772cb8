// Builds hooks/dist/: exactly what goes into the agent's hooks directory.
//   terraform-{pre,post}-{plan,apply}  tiny launchers (0755) that load lib/hooks.cjs
//   lib/hooks.cjs                      the hooks, bundled (no node_modules at run time)
//   lib/sts-probe.cjs                  the AWS SDK's STS client, loaded by pre hooks only
//   lib/warm-compile-cache.cjs         fills lib/.compile-cache (image build step, optional)
// The launchers enable Node's compile cache in lib/.compile-cache (the hooks directory is owned
// by the agent user, so it is writable; if it is not, Node just runs without the cache).
import { build } from "esbuild";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const final = join(here, "dist");
// Built aside (under node_modules/.cache: ignored by git, same file system) and swapped in, so a
// concurrent test run (several engineers share one work tree) never sees a half-written dist/.
const modules = [join(here, "..", "node_modules"), join(here, "node_modules")].find((d) => existsSync(d));
const scratch = join(modules ?? here, ".cache", "tfc-jit-aws-hooks");
mkdirSync(scratch, { recursive: true });
const dist = join(scratch, `building-${process.pid}`);
const HOOKS = ["terraform-pre-plan", "terraform-post-plan", "terraform-pre-apply", "terraform-post-apply"];

mkdirSync(join(dist, "lib"), { recursive: true });

// The STS probe always passes the credentials it tests, so the SDK's default credential chain
// (SSO, IMDS, ini files, nested STS/SSO clients) is dead weight: replaced by a stub that refuses,
// which also guarantees the probe can never fall back to the agent's own credentials. `bowser`
// only parses browser user agents. Together about a third of the SDK bundle.
const stubs = {
  "@aws-sdk/credential-provider-node":
    "exports.defaultProvider = () => async () => { throw new Error('tfc-jit-aws: only explicit credentials are probed'); };",
  bowser: "exports.parse = () => ({});",
};
const stubPlugin = {
  name: "stub-unused-sdk-parts",
  setup(b) {
    const filter = new RegExp(
      `^(${Object.keys(stubs)
        .map((k) => k.replace(/[/.-]/g, "\\$&"))
        .join("|")})$`,
    );
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({ contents: stubs[args.path], loader: "js" }));
  },
};

// The SDK's ES module builds load some Node built-ins lazily with `await import("node:http")`.
// In a CommonJS bundle that starts Node's ES module loader on the first STS call (~8 ms on the
// critical path). Routed through a one-line CommonJS module instead, so esbuild turns the
// import() into a require() of the same built-in, still loaded only when first needed.
const builtinRequirePlugin = {
  name: "dynamic-builtins-as-require",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, namespace: "builtin-require" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "builtin-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

await build({
  entryPoints: { hooks: join(here, "src/main.ts"), "sts-probe": join(here, "src/sts-probe.ts") },
  outdir: join(dist, "lib"),
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  // The SDK's ES module builds first: esbuild can drop what the STS client never uses from them
  // (the CommonJS builds are one module each), which halves the probe bundle and leaves out
  // node:http2 (~10 ms to load); both builds are the same SDK release. Cuts the load by a third.
  mainFields: ["module", "main"],
  target: "node24",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
  plugins: [stubPlugin, builtinRequirePlugin],
});

const launcher = `#!/usr/bin/env node
"use strict";
// tfc-jit-aws agent hook: dispatches on this file's name (see lib/hooks.cjs).
try {
  require("node:module").enableCompileCache?.(require("node:path").join(__dirname, "lib", ".compile-cache"));
} catch {
  // No cache is only slower.
}
require("./lib/hooks.cjs").run(__filename);
`;
// Run once at image build time, as the agent user, so the first hook of a fresh container
// (TFC_AGENT_SINGLE=true) starts with a warm compile cache. Loads the bundles, runs no hook.
const warm = `"use strict";
const path = require("node:path");
const mod = require("node:module");
const result = mod.enableCompileCache?.(path.join(__dirname, ".compile-cache"));
require("./hooks.cjs");
require("./sts-probe.cjs");
mod.flushCompileCache?.();
console.log("tfc-jit-aws hooks: compile cache " + (result?.directory ?? "unavailable"));
`;
writeFileSync(join(dist, "lib", "warm-compile-cache.cjs"), warm);
for (const name of HOOKS) {
  const file = join(dist, name);
  writeFileSync(file, launcher);
  chmodSync(file, 0o755);
}
const old = join(scratch, `old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(dist, final);
rmSync(old, { recursive: true, force: true });
console.log(`hooks: built ${HOOKS.length} hooks into ${final}`);
