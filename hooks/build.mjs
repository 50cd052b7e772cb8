// Builds hooks/dist/: exactly what goes into the agent's hooks directory.
//   terraform-{pre,post}-{plan,apply}  tiny launchers (0755) that load lib/hooks.cjs
//   lib/hooks.cjs                      the hooks, bundled (no node_modules at run time)
//   lib/sts-probe.cjs                  the AWS SDK's STS client, loaded by pre hooks only
// The launchers enable Node's compile cache in lib/.compile-cache (the hooks directory is owned
// by the agent user, so it is writable; if it is not, Node just runs without the cache).
import { build } from "esbuild";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const HOOKS = ["terraform-pre-plan", "terraform-post-plan", "terraform-pre-apply", "terraform-post-apply"];

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "lib"), { recursive: true });

await build({
  entryPoints: { hooks: join(here, "src/main.ts"), "sts-probe": join(here, "src/sts-probe.ts") },
  outdir: join(dist, "lib"),
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});

const launcher = `#!/usr/bin/env node
"use strict";
// tfc-jit-aws agent hook: dispatches on this file's name (see lib/hooks.cjs).
try {
  require("node:module").enableCompileCache?.(require("node:path").join(__dirname, "lib", ".compile-cache"));
} catch {
  // No cache is only slower.
}
require("./lib/hooks.cjs");
`;
for (const name of HOOKS) {
  const file = join(dist, name);
  writeFileSync(file, launcher);
  chmodSync(file, 0o755);
}
console.log(`hooks: built ${HOOKS.length} hooks into ${dist}`);
