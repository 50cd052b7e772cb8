/**
 * Hook start-up and run time against the doubles (no injected latency), whole processes, 20 runs
 * each, compared with a bare `node -e ''` on the same Node (the image ships Node 24):
 *
 *   node --require ts-node/register/transpile-only bench/hooks-startup.ts
 *
 * Builds nothing: run `npm run build` first (`npm run bench` does). Reports medians and p90 for
 * the pre hook (STS type: one probe; iam_user: three consecutive probes 100 ms apart, a wait by
 * design), the post hook, cold (compile cache emptied before every run) and warm. Then the
 * time-to-usable-credentials against an injected IAM propagation delay.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HOOKS_DIST } from "../tests/support/agent-simulator";
import { World, RUN } from "../tests/hooks/world";
import type { AwsCredentialType } from "../tests/support/vault-double";

const RUNS = 20;
const CACHE_DIR = path.join(HOOKS_DIST, "lib", ".compile-cache");

function timeProcess(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number | null; out: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, out }));
  });
}

function stats(samples: number[]): { median: number; p90: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)],
    p90: s[Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)],
  };
}

interface Row {
  readonly name: string;
  readonly samples: number[];
}

async function hookRuns(
  type: AwsCredentialType,
  cache: "cold" | "warm",
): Promise<{ pre: number[]; post: number[] }> {
  const world = await World.start({ credentialType: type });
  const sim = world.simulator();
  const pre: number[] = [];
  const post: number[] = [];
  try {
    if (cache === "warm") {
      // One unmeasured run fills the cache.
      await onePhase();
    }
    for (let i = 0; i < RUNS; i++) {
      const [a, b] = await onePhase();
      pre.push(a);
      post.push(b);
    }
  } finally {
    sim.dispose();
    await world.stop();
  }
  return { pre, post };

  async function onePhase(): Promise<[number, number]> {
    const envFile = path.join(sim.home, "op.env");
    fs.writeFileSync(envFile, "");
    const token = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
    if (cache === "cold") fs.rmSync(CACHE_DIR, { recursive: true, force: true });
    const a = await timeProcess(path.join(HOOKS_DIST, "terraform-pre-plan"), [], sim.hookEnv(envFile, token));
    if (a.code !== 0) throw new Error(`pre hook failed: ${a.out}`);
    if (cache === "cold") fs.rmSync(CACHE_DIR, { recursive: true, force: true });
    const b = await timeProcess(path.join(HOOKS_DIST, "terraform-post-plan"), [], sim.hookEnv(envFile, null));
    if (b.code !== 0) throw new Error(`post hook failed: ${b.out}`);
    return [a.ms, b.ms];
  }
}

async function propagation(delayMs: number): Promise<number> {
  const world = await World.start({ propagationDelayMs: delayMs });
  const sim = world.simulator();
  try {
    const plan = await sim.runPhase("plan");
    const m = /usable after ([0-9.]+) s/.exec(plan.pre.stdout);
    if (!m) throw new Error(`pre hook failed: ${plan.pre.stderr}`);
    return Number(m[1]);
  } finally {
    sim.dispose();
    await world.stop();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(HOOKS_DIST, "terraform-pre-plan")))
    throw new Error("hooks/dist is missing: run `npm run build` first");
  console.log(
    `node ${process.version} (${process.execPath}), ${RUNS} runs each, doubles in-process, no injected latency`,
  );
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++)
    bare.push((await timeProcess(process.execPath, ["-e", ""], { PATH: process.env.PATH })).ms);
  const rows: Row[] = [{ name: "node -e ''", samples: bare }];
  for (const cache of ["cold", "warm"] as const) {
    const sts = await hookRuns("assumed_role", cache);
    rows.push({ name: `pre-plan assumed_role (${cache} cache)`, samples: sts.pre });
    rows.push({ name: `post-plan assumed_role (${cache} cache)`, samples: sts.post });
    const iam = await hookRuns("iam_user", cache);
    rows.push({ name: `pre-plan iam_user (${cache} cache)*`, samples: iam.pre });
    rows.push({ name: `post-plan iam_user (${cache} cache)`, samples: iam.post });
  }
  const base = stats(bare).median;
  console.log("\n| process | median ms | p90 ms | median / bare node |");
  console.log("|---|---:|---:|---:|");
  for (const row of rows) {
    const s = stats(row.samples);
    console.log(
      `| ${row.name} | ${s.median.toFixed(1)} | ${s.p90.toFixed(1)} | ${(s.median / base).toFixed(2)}x |`,
    );
  }
  console.log(
    "\n* iam_user waits for 3 consecutive successful probes 100 ms apart (eventual consistency): >= 200 ms by design.",
  );

  console.log(
    "\n| injected IAM propagation delay | usable after | overshoot (one backoff step = 1.0 s max) |",
  );
  console.log("|---:|---:|---:|");
  for (const delay of [1000, 3000]) {
    const usable = await propagation(delay);
    console.log(
      `| ${(delay / 1000).toFixed(1)} s | ${usable.toFixed(1)} s | ${(usable - delay / 1000).toFixed(1)} s |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
