/**
 * Exposure after an interrupted phase, and renewal traffic, against the doubles with TTLs scaled
 * down 100 times (a 300 s lease becomes 3 s) and the results scaled back:
 *
 *   npm run build && node --require ts-node/register/transpile-only bench/exposure.ts
 *
 * Exposure = seconds from the kill to the first moment AWS (double) refuses the keys, measured by
 * calling sts:GetCallerIdentity every 50 ms. Scenarios:
 * - old defaults (lease 1800 s, no keeper): agent and keeper both killed right after the pre hook,
 *   so nothing renews or revokes: the keys live out the lease TTL (what every interrupted phase
 *   left before the keeper);
 * - new defaults, container gone (agent and keeper killed): the keys live out the rest of the
 *   lease, at most one TTL (300 s);
 * - new defaults, agent or task killed (keeper alive): the keeper sees the agent gone at its next
 *   look (every TTL/20, at most 2 s) and revokes. This one does not scale linearly: scaled down it
 *   looks every 0.15 s, at the defaults every 2 s; both are printed.
 * Renewal traffic: the schedule (lease renewed at half its TTL, token at half of its own, none past
 * a max TTL) gives the Vault calls per phase-hour; a scaled phase-hour (36 s) against the double
 * checks the count from its request log.
 */
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { pollMs, RENEW_AT_SHARE } from "../hooks/src/keeper";
import type { KeeperRecord } from "../hooks/src/keeper-record";
import { RUN, World } from "../tests/hooks/world";

const SCALE = 100;
const NEW_LEASE = 300;
const OLD_LEASE = 1800;
/** The apply phase's token TTL default (= its max: the JWT role sets both). */
const APPLY_TOKEN = 3600;

interface Phase {
  readonly world: World;
  readonly creds: Record<string, string>;
  readonly keeper: KeeperRecord["keeper"];
  readonly kill: () => Promise<void>;
  readonly post: () => Promise<number | null>;
  readonly done: () => Promise<void>;
}

async function startPhase(leaseSeconds: number, tokenSeconds: number): Promise<Phase> {
  const world = await World.start({
    tls: false,
    leaseTtlSeconds: leaseSeconds,
    tokenTtlSeconds: tokenSeconds,
    tokenMaxTtlSeconds: tokenSeconds,
  });
  const sim = world.simulator();
  const agent = sim.startAgent();
  const envFile = sim.agentEnvFile("plan.env");
  const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
  const pre = await agent.runHook("terraform-pre-plan", sim.hookEnv(envFile, jwt));
  if (pre.code !== 0) throw new Error(`pre hook failed: ${pre.stderr}`);
  const creds = sim.credentialsFrom(fs.readFileSync(envFile, "utf8"));
  fs.rmSync(envFile);
  const record = JSON.parse(fs.readFileSync(sim.keeperFile("plan"), "utf8")) as KeeperRecord;
  return {
    world,
    creds,
    keeper: record.keeper,
    kill: () => agent.kill(),
    post: async () =>
      (await agent.runHook("terraform-post-plan", sim.hookEnv(sim.agentEnvFile("p.env"), null))).code,
    done: async () => {
      await agent.kill();
      sim.dispose();
      await world.stop();
    },
  };
}

/** Seconds from now until AWS refuses the keys. */
async function secondsUntilRefused(p: Phase, limitS: number): Promise<number> {
  const start = performance.now();
  while (await p.world.awsAccepts(p.creds)) {
    if ((performance.now() - start) / 1000 > limitS) throw new Error(`keys still accepted after ${limitS} s`);
    await sleep(50);
  }
  return (performance.now() - start) / 1000;
}

function killKeeper(p: Phase): void {
  try {
    process.kill(p.keeper.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function exposure(
  name: string,
  leaseSeconds: number,
  keeperSurvives: boolean,
  runs: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ttl = leaseSeconds / SCALE;
    const p = await startPhase(ttl, ttl * 4);
    try {
      if (!keeperSurvives) killKeeper(p);
      await p.kill();
      samples.push(await secondsUntilRefused(p, ttl * 3 + 5));
    } finally {
      await p.done();
    }
  }
  const fmt = samples.map((s) => s.toFixed(2)).join(", ");
  console.log(`${name}: measured ${fmt} s (TTL ${leaseSeconds / SCALE} s)`);
  return samples;
}

async function main(): Promise<void> {
  console.log(`TTLs scaled down ${SCALE}x; exposure = kill -> AWS refuses the keys\n`);
  const old = await exposure("old defaults, lease 1800 s, nothing renews or revokes", OLD_LEASE, false, 1);
  const dead = await exposure("new defaults, lease 300 s, container gone (keeper dead)", NEW_LEASE, false, 3);
  const agentGone = await exposure(
    "new defaults, lease 300 s, agent killed (keeper alive)",
    NEW_LEASE,
    true,
    3,
  );
  const max = (xs: number[]) => Math.max(...xs);
  const scaledPollS = pollMs(NEW_LEASE / SCALE) / 1000;
  const defaultPollS = pollMs(NEW_LEASE) / 1000;
  console.log("\nscaled back to the defaults (x" + SCALE + "):");
  console.log(
    `  old defaults:                 ${(max(old) * SCALE).toFixed(0)} s (bound: the lease TTL, ${OLD_LEASE} s)`,
  );
  console.log(
    `  new, container gone:          ${(max(dead) * SCALE).toFixed(0)} s (bound: one lease TTL, ${NEW_LEASE} s)`,
  );
  console.log(
    `  new, agent killed:            <= ${(defaultPollS + max(agentGone)).toFixed(1)} s (the keeper looks every ${defaultPollS} s at the defaults, then revokes: measured ${max(agentGone).toFixed(2)} s from kill to refused with a ${scaledPollS} s look)`,
  );

  // Renewal traffic: one phase-hour, scaled (36 s), apply defaults (lease 300 s, token 3600 s = max).
  const lease = NEW_LEASE / SCALE;
  const token = APPLY_TOKEN / SCALE;
  const hour = 3600 / SCALE;
  const leaseCalls = Math.floor(3600 / (NEW_LEASE * RENEW_AT_SHARE));
  // The token's first renewal already meets its max TTL (token_ttl = token_max_ttl): one call.
  const tokenCalls = 1;
  const p = await startPhase(lease, token);
  try {
    // Stop just before the token's max TTL would end the phase.
    await sleep((hour - lease) * 1000);
    const ok = await p.world.awsAccepts(p.creds);
    const code = await p.post();
    const count = (path: string) => p.world.vault.requests.filter((r) => r.path === path).length;
    const leaseSeen = count("sys/leases/renew");
    const tokenSeen = count("auth/token/renew-self");
    const spanH = (hour - lease) / hour;
    console.log(
      `\nrenewal traffic per phase-hour (lease ${NEW_LEASE} s renewed at ${RENEW_AT_SHARE * 100}% of its TTL, token ${APPLY_TOKEN} s = its max):`,
    );
    console.log(
      `  schedule: ${leaseCalls} lease renewals + ${tokenCalls} token renewal = ${leaseCalls + tokenCalls} Vault calls`,
    );
    console.log(
      `  double's log over ${(hour - lease).toFixed(0)} s scaled (${(spanH * 60).toFixed(0)} phase-minutes): ${leaseSeen} sys/leases/renew + ${tokenSeen} auth/token/renew-self = ${leaseSeen + tokenSeen} (per hour: ${((leaseSeen + tokenSeen) / spanH).toFixed(1)}); keys usable at the end: ${ok}; post hook exit ${code}`,
    );
    if (!ok || code !== 0 || leaseSeen + tokenSeen > leaseCalls + tokenCalls) process.exitCode = 1;
  } finally {
    await p.done();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
