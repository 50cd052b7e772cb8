/**
 * `npm run bench`: runs every benchmark script in this folder, one after another (never in
 * parallel: they measure time and call counts on a shared 2-core machine), each in its own process.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const here = __dirname;
const scripts = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const result = spawnSync(
    process.execPath,
    ["--require", "ts-node/register/transpile-only", join(here, script)],
    {
      stdio: "inherit",
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    },
  );
  if (result.status !== 0) {
    failed++;
    console.error(`${script} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
