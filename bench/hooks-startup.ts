/**
 * Hook start-up and run time against the doubles (no injected latency), whole processes, 20 runs
 * each, compared with a bare `node -e ''` on the same Node (the image ships Node 24):
 *
 *   npm run build && node --require ts-node/register/transpile-only bench/hooks-startup.ts
 *
 * Each round runs bare node, the pre hook and the post hook back to back, so machine load hits
 * all three alike (the ratios are per round, then the median). Pre hooks are measured for an STS
 * type (one probe) and iam_user (three consecutive probes 100 ms apart, a wait by design), cold
 * (compile cache emptied before every run: a fresh container without warm-up) and warm (after one
 * run, or lib/warm-compile-cache.cjs at image build). Then time to usable credentials against an
 * injected IAM propagation delay, split into first accepted probe and confirmation.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileCacheDir } from "../hooks/src/layout";
import { AgentHost, HOOKS_DIST, separationUnavailable } from "../tests/support/agent-host";
import { RUN, World } from "../tests/hooks/world";
import type { AwsCredentialType } from "../tests/support/vault-double";

const RUNS = 20;

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

function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Rounds {
  readonly bare: number[];
  readonly pre: number[];
  readonly post: number[];
  /** The harness's own unshare + setpriv hop ("separated" only; 0 otherwise). */
  readonly harness: number[];
}

/**
 * "direct": the launcher starts the wrapper itself (no sudo). "sudo": the shipped path, the
 * launcher as a throwaway agent user going through sudo to the hooks' user (root only); its
 * numbers include the test harness's own hop (unshare + bind mounts + setpriv), measured apart
 * as "harness" and subtracted in the last column.
 */
async function rounds(
  type: AwsCredentialType,
  cache: "cold" | "warm",
  mode: "direct" | "separated",
): Promise<Rounds> {
  const world = await World.start({ credentialType: type });
  const host = new AgentHost(mode);
  const sim = world.simulator({ host });
  const cacheDir = compileCacheDir(host.layout);
  const result: Rounds = { bare: [], pre: [], post: [], harness: [] };
  const onePhase = async (): Promise<void> => {
    result.bare.push((await timeProcess(process.execPath, ["-e", ""], { PATH: process.env.PATH })).ms);
    const noop = host.asAgent("/bin/true");
    result.harness.push(mode === "direct" ? 0 : (await timeProcess(noop.file, noop.args, {})).ms);
    const envFile = sim.agentEnvFile("op.env");
    const token = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
    if (cache === "cold") fs.rmSync(cacheDir, { recursive: true, force: true });
    const preCmd = host.asAgent(sim.host.launcher("terraform-pre-plan"));
    const pre = await timeProcess(preCmd.file, preCmd.args, sim.hookEnv(envFile, token));
    if (pre.code !== 0) throw new Error(`pre hook failed: ${pre.out}`);
    if (cache === "cold") fs.rmSync(cacheDir, { recursive: true, force: true });
    const postCmd = host.asAgent(sim.host.launcher("terraform-post-plan"));
    const post = await timeProcess(postCmd.file, postCmd.args, sim.hookEnv(envFile, null));
    if (post.code !== 0) throw new Error(`post hook failed: ${post.out}`);
    result.pre.push(pre.ms);
    result.post.push(post.ms);
  };
  try {
    if (cache === "warm") {
      await onePhase(); // fills the cache; not counted
      result.bare.length = result.pre.length = result.post.length = result.harness.length = 0;
    }
    for (let i = 0; i < RUNS; i++) await onePhase();
  } finally {
    sim.dispose();
    host.dispose();
    await world.stop();
  }
  return result;
}

async function propagation(delayMs: number): Promise<{ firstOk: number; usable: number }> {
  const world = await World.start({ propagationDelayMs: delayMs });
  const sim = world.simulator();
  try {
    const plan = await sim.runPhase("plan");
    const m = /usable after ([0-9.]+) s/.exec(plan.pre.stdout);
    if (!m) throw new Error(`pre hook failed: ${plan.pre.stderr}`);
    const key = world.aws.createdKeys.find((k) => k.accessKeyId !== world.aws.createdKeys[0].accessKeyId)!;
    const firstOk = world.aws.probes.find((p) => p.accessKeyId === key.accessKeyId && p.ok)!;
    return { firstOk: (firstOk.at - key.createdAt) / 1000, usable: Number(m[1]) };
  } finally {
    sim.dispose();
    await world.stop();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(HOOKS_DIST, "lib", "terraform-pre-plan.cjs"))) {
    throw new Error("hooks/dist is missing: run `npm run build` first");
  }
  const why = separationUnavailable();
  const modes = why === undefined ? (["direct", "separated"] as const) : (["direct"] as const);
  console.log(
    `node ${process.version} (${process.execPath}), ${RUNS} rounds each, doubles in-process, no injected latency`,
  );
  if (why !== undefined) console.log(`sudo hop not measured: ${why}`);
  console.log(
    "\n| process | median ms | bare node median ms (same rounds) | median of per-round ratio | ratio without the harness hop |",
  );
  console.log("|---|---:|---:|---:|---:|");
  for (const mode of modes) {
    for (const cache of ["cold", "warm"] as const) {
      for (const type of ["assumed_role", "iam_user"] as const) {
        const r = await rounds(type, cache, mode);
        for (const [stage, samples] of [
          ["pre-plan", r.pre],
          ["post-plan", r.post],
        ] as const) {
          const ratio = median(samples.map((ms, i) => ms / r.bare[i]));
          const net = median(samples.map((ms, i) => (ms - r.harness[i]) / r.bare[i]));
          const star = stage === "pre-plan" && type === "iam_user" ? " *" : "";
          const via = mode === "direct" ? "launcher, no sudo" : "launcher via sudo";
          console.log(
            `| ${stage} ${type}, ${cache} cache, ${via}${star} | ${median(samples).toFixed(1)} | ${median(r.bare).toFixed(1)} | ${ratio.toFixed(2)}x | ${net.toFixed(2)}x |`,
          );
        }
      }
    }
  }
  console.log(
    "\n* iam_user waits for 3 consecutive successful probes 100 ms apart (eventual consistency): >= 200 ms by design.",
  );

  console.log(
    "\n| injected IAM propagation delay | first accepted probe | usable (3rd success) | overshoot of first accept (one backoff step <= 1.0 s) |",
  );
  console.log("|---:|---:|---:|---:|");
  for (const delay of [1000, 3000]) {
    const t = await propagation(delay);
    console.log(
      `| ${(delay / 1000).toFixed(1)} s | ${t.firstOk.toFixed(2)} s | ${t.usable.toFixed(1)} s | ${(t.firstOk - delay / 1000).toFixed(2)} s |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
