/**
 * The keeper (docs/hooks.md, "The keeper"), against the built hooks on an agent host, with a
 * stand-in agent process, and the Vault and AWS doubles with TTLs of a few seconds. Assertions are
 * on events and state (lease gone, keys refused, process gone, record contents), never on ratios
 * of wall time; the waits are upper bounds, generous under load.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type KeeperRecord } from "../../hooks/src/keeper-record";
import { isAlive } from "../../hooks/src/proc";
import type { IssuedState } from "../../hooks/src/state-file";
import { AgentHost, separationUnavailable } from "../support/agent-host";
import type { AgentSimulator, Phase, StandInAgent } from "../support/agent-simulator";
import { assertCleanAfterRun, assertFailedWith } from "./assertions";
import { ROOT_USER, RUN, World, type WorldOptions } from "./world";

/** Lease and token TTL in these tests: renewal every 1.5 s, liveness checks every 0.15 s. */
const TTL = 3;
const SHORT: WorldOptions = { tls: false, leaseTtlSeconds: TTL, tokenTtlSeconds: TTL };

async function until(what: string, ok: () => boolean | Promise<boolean>, withinMs: number): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > withinMs) assert.fail(`not within ${withinMs} ms: ${what}`);
    await sleep(50);
  }
  return Date.now() - start;
}

function record(sim: AgentSimulator, phase: Phase): KeeperRecord {
  return JSON.parse(fs.readFileSync(sim.keeperFile(phase), "utf8")) as KeeperRecord;
}

describe("hooks: the keeper", function () {
  this.timeout(60_000);
  let world: World;
  let sim: AgentSimulator;
  let agent: StandInAgent;
  const extra: AgentSimulator[] = [];

  async function setUp(options: WorldOptions = SHORT): Promise<void> {
    world = await World.start(options);
    sim = world.simulator();
    agent = sim.startAgent();
  }

  afterEach(async () => {
    await agent?.kill();
    for (const s of [sim, ...extra.splice(0)]) s?.dispose();
    await world?.stop();
  });

  /** The pre hook through the stand-in agent; returns the credentials it handed to Terraform. */
  async function pre(phase: Phase = "plan", on: AgentSimulator = sim, via: StandInAgent = agent) {
    const envFile = on.agentEnvFile(`${phase}.env`);
    const jwt = world.issuer.issue({ ...RUN, phase, runId: on.runId });
    const result = await via.runHook(`terraform-pre-${phase}`, on.hookEnv(envFile, jwt));
    assert.equal(result.code, 0, result.stderr);
    const handed = fs.readFileSync(envFile, "utf8");
    fs.rmSync(envFile);
    return { result, creds: on.credentialsFrom(handed), handed };
  }

  async function post(phase: Phase = "plan", on: AgentSimulator = sim, via: StandInAgent = agent) {
    return via.runHook(`terraform-post-${phase}`, on.hookEnv(on.agentEnvFile("post.env"), null));
  }

  it("a phase whose post hook never runs (agent killed after pre): the keeper revokes, the keys die, the keeper is gone", async () => {
    await setUp();
    const { creds } = await pre();
    assert.equal(await world.awsAccepts(creds), true);
    const keeper = record(sim, "plan").keeper;
    assert.equal(isAlive(keeper), true, "a keeper runs after the pre hook");
    // Detached: its own session (stat field 6 = its pid), stdio on /dev/null.
    const stat = fs.readFileSync(`/proc/${keeper.pid}/stat`, "utf8");
    assert.equal(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]), keeper.pid);
    for (const fd of [0, 1, 2]) assert.equal(fs.readlinkSync(`/proc/${keeper.pid}/fd/${fd}`), "/dev/null");
    await agent.kill();
    // Bound: one TTL plus one renewal step (TTL/2), counted from the kill.
    const bound = (TTL + TTL / 2) * 1000;
    await until("the lease is gone in Vault", () => world.vault.liveLeases().length === 0, bound);
    await world.vault.settled();
    assert.equal(await world.awsAccepts(creds), false, "AWS refuses the keys");
    assert.deepEqual(world.aws.dynamicUsers([ROOT_USER]), []);
    await until("the keeper is gone", () => !isAlive(keeper), 2000);
    assert.equal(record(sim, "plan").status, "job-gone");
    assert.match(record(sim, "plan").reason ?? "", /agent \(pid \d+\) is gone; lease revoked/);
    assert.equal(world.vault.liveTokens().length, 0);
  });

  it("the keeper revoked because it saw its agent gone, yet a post hook runs: exit 1, saying so", async () => {
    await setUp();
    // The pre hook through a short-lived stand-in agent; the post hook through another one.
    const first = sim.startAgent();
    await pre("plan", sim, first);
    await first.kill();
    await until("the keeper revokes", () => record(sim, "plan").status === "job-gone", 5000);
    const end = await post();
    assertFailedWith(
      end,
      /^terraform-post-plan: ERROR: the keeper revoked this phase's credentials at \S+, before terraform-post-plan ran: the agent \(pid \d+\) is gone; lease revoked; check: /,
    );
    await assertCleanAfterRun(world, sim);
  });

  it("keeper killed (agent alive): the credentials expire at their TTL, and the post hook says so, exit 1", async () => {
    await setUp();
    const { creds } = await pre();
    const keeper = record(sim, "plan").keeper;
    process.kill(keeper.pid, "SIGKILL");
    await until("the keeper is gone", () => !isAlive(keeper), 2000);
    await until("the lease expires in Vault", () => world.vault.liveLeases().length === 0, TTL * 1000 + 1000);
    await world.vault.settled();
    assert.equal(await world.awsAccepts(creds), false, "AWS refuses the keys after the TTL");
    const end = await post();
    assertFailedWith(
      end,
      /credentials expired at \S+, before terraform-post-plan ran: the keeper stopped renewing them \(it was killed or died\)/,
    );
    for (const f of [sim.stateFile("plan"), sim.keeperFile("plan")]) fs.rmSync(f, { force: true });
  });

  it("a phase longer than several TTLs: the keys work throughout; after the post hook nothing is alive", async () => {
    await setUp();
    const { creds } = await pre();
    const keeper = record(sim, "plan").keeper;
    const phaseEnds = Date.now() + 4 * TTL * 1000;
    let checks = 0;
    while (Date.now() < phaseEnds) {
      assert.equal(await world.awsAccepts(creds), true, `keys refused after ${checks} checks`);
      checks++;
      await sleep(250);
    }
    const kept = record(sim, "plan");
    assert.equal(kept.status, "renewing");
    assert.ok(kept.renewals >= 3, `renewed ${kept.renewals} times over 4 TTLs`);
    // Every renewal the keeper counted is one lease and one token renewal in Vault's log.
    const renewals = (p: string) =>
      world.vault.requests.filter((r) => r.path === p && r.status === 200).length;
    assert.ok(renewals("sys/leases/renew") >= kept.renewals);
    assert.ok(renewals("auth/token/renew-self") >= kept.renewals);
    const end = await post();
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /revoked lease aws\/creds\/plan\//);
    assert.equal(isAlive(keeper), false, "the post hook stopped the keeper");
    assert.equal(fs.existsSync(sim.keeperFile("plan")), false);
    assert.equal(await world.awsAccepts(creds), false);
    await assertCleanAfterRun(world, sim);
  });

  it("Vault unreachable during renewal: the credentials expire, the post hook says so and exits 1", async () => {
    await setUp();
    const { creds } = await pre();
    const keeper = record(sim, "plan").keeper;
    world.vault.injectFault(
      { kind: "status", status: 503, errors: ["Vault is sealed"] },
      {
        path: /^(sys\/leases\/renew|auth\/token\/renew-self)/,
        times: Infinity,
      },
    );
    await until("the keeper gives up", () => !isAlive(keeper), TTL * 1000 + 3000);
    const failed = record(sim, "plan");
    assert.equal(failed.status, "failed");
    assert.match(failed.reason ?? "", /renewal failed: .*503/);
    await until("the lease expires", () => world.vault.liveLeases().length === 0, 2000);
    await world.vault.settled();
    assert.equal(await world.awsAccepts(creds), false);
    world.vault.clearFaults();
    const end = await post();
    assertFailedWith(
      end,
      /^terraform-post-plan: ERROR: credentials expired at \d{4}-\d\d-\d\dT\S+Z, before terraform-post-plan ran: renewal failed: /,
    );
    // No proof from Vault (the token is gone with its lease): the state stays for inspection.
    fs.rmSync(sim.stateFile("plan"));
    fs.rmSync(sim.keeperFile("plan"));
    assert.deepEqual(await world.leftovers(), { leases: 0, users: [], tokens: 0 });
  });

  it("the max TTL ends renewal: the keeper records it, and a post hook after the expiry exits 1", async () => {
    await setUp({ ...SHORT, leaseMaxTtlSeconds: 4 });
    await pre();
    const keeper = record(sim, "plan").keeper;
    await until("the keeper stops at the max TTL", () => !isAlive(keeper), 5000);
    assert.equal(record(sim, "plan").status, "failed");
    assert.match(record(sim, "plan").reason ?? "", /max TTL/);
    await until("the lease expires", () => world.vault.liveLeases().length === 0, 5000);
    const end = await post();
    assertFailedWith(
      end,
      /credentials expired at \S+, before terraform-post-plan ran: the lease's max TTL \(set in Vault\) ends them/,
    );
    for (const f of [sim.stateFile("plan"), sim.keeperFile("plan")]) fs.rmSync(f, { force: true });
  });

  it("a token whose TTL is its max (as the JWT roles set it) still lets the keeper renew a shorter lease until the token ends", async () => {
    await setUp({ ...SHORT, tokenTtlSeconds: 2 * TTL, tokenMaxTtlSeconds: 2 * TTL });
    const { creds } = await pre();
    const keeper = record(sim, "plan").keeper;
    // Past the lease's own TTL, and past the token's first (capped) renewal.
    await sleep((TTL + TTL / 2) * 1000);
    assert.equal(await world.awsAccepts(creds), true, "the lease was renewed beyond its TTL");
    assert.equal(isAlive(keeper), true);
    assert.equal(record(sim, "plan").status, "capped");
    assert.match(record(sim, "plan").reason ?? "", /the token's max TTL/);
    const end = await post();
    assert.equal(end.code, 0, end.stderr);
    await assertCleanAfterRun(world, sim);
  });

  it("two phases on one agent have a keeper each; one post hook stops only its own; a phase token cannot renew the other's lease", async () => {
    await setUp();
    const other = world.simulator({ host: sim.host });
    extra.push(other);
    await pre("plan");
    await pre("apply", other);
    const mine = record(sim, "plan");
    const theirs = record(other, "apply");
    assert.notEqual(mine.keeper.pid, theirs.keeper.pid);
    assert.equal(mine.agent.pid, agent.pid);
    // The plan token, straight from the private state (the test is the hooks' user here).
    const plan = JSON.parse(fs.readFileSync(sim.stateFile("plan"), "utf8")) as IssuedState;
    const apply = JSON.parse(fs.readFileSync(other.stateFile("apply"), "utf8")) as IssuedState;
    const renew = await fetch(`${world.vault.address}/v1/sys/leases/renew`, {
      method: "PUT",
      headers: { "X-Vault-Token": plan.configurations[0].token },
      body: JSON.stringify({ lease_id: apply.configurations[0].lease?.leaseId, increment: 3600 }),
    });
    assert.equal(renew.status, 403, "a plan token renews no apply lease");
    const end = await post("plan");
    assert.equal(end.code, 0, end.stderr);
    assert.equal(isAlive(mine.keeper), false);
    assert.equal(isAlive(theirs.keeper), true, "the other phase's keeper keeps going");
    await sleep(TTL * 1000);
    assert.equal(world.vault.liveLeases().length, 1, "the apply lease is still renewed");
    const end2 = await post("apply", other);
    assert.equal(end2.code, 0, end2.stderr);
    assert.equal(isAlive(theirs.keeper), false);
    await assertCleanAfterRun(world, sim);
  });

  it("a lease minted by run code with the replayed JWT has no keeper: it dies at its own TTL while the phase's lives on", async () => {
    await setUp();
    const { creds } = await pre();
    const mine = JSON.parse(fs.readFileSync(sim.stateFile("plan"), "utf8")) as IssuedState;
    // Run code replays the phase's JWT (it is in the run environment) and reads its own keys.
    const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
    const call = async (method: string, p: string, token?: string, body?: unknown) => {
      const res = await fetch(`${world.vault.address}/v1/${p}`, {
        method,
        headers: token ? { "X-Vault-Token": token } : {},
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, Record<string, string>>;
    };
    const login = await call("POST", "auth/jwt/login", undefined, { role: "tfc-plan", jwt });
    const stolen = await call("GET", "aws/creds/plan", login.auth.client_token);
    const theirs = stolen.lease_id as unknown as string;
    assert.ok(world.vault.liveLeases().some((l) => l.leaseId === theirs));
    await until(
      "the replayed lease ends at its TTL",
      () => !world.vault.liveLeases().some((l) => l.leaseId === theirs),
      TTL * 1000 + 1500,
    );
    assert.ok(
      world.vault.liveLeases().some((l) => l.leaseId === mine.configurations[0].lease?.leaseId),
      "the phase's own lease is still renewed",
    );
    assert.equal(await world.awsAccepts(creds), true);
    const end = await post();
    assert.equal(end.code, 0, end.stderr);
    await assertCleanAfterRun(world, sim);
  });

  it("STS credentials get no keeper (they cannot be renewed)", async () => {
    await setUp({ ...SHORT, credentialType: "assumed_role" });
    const { handed } = await pre();
    assert.match(
      handed,
      /^TFC_WORKLOAD_IDENTITY_TOKEN=$/m,
      "the run's JWT is hidden from Terraform (best effort)",
    );
    assert.equal(fs.existsSync(sim.keeperFile("plan")), false);
    const end = await post();
    assert.equal(end.code, 0, end.stderr);
    await assertCleanAfterRun(world, sim);
  });
});

describe("hooks: the keeper against run code as another uid", function () {
  this.timeout(60_000);
  const why = separationUnavailable();

  it("run code (the agent user) cannot signal, replace or read the keeper or its record", async function () {
    if (why !== undefined) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const world = await World.start(SHORT);
    const host = new AgentHost("separated");
    const sim = world.simulator({ host });
    const agent = sim.startAgent();
    try {
      const envFile = sim.agentEnvFile("plan.env");
      const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
      const pre = await agent.runHook("terraform-pre-plan", sim.hookEnv(envFile, jwt));
      assert.equal(pre.code, 0, pre.stderr);
      fs.rmSync(envFile);
      const rec = record(sim, "plan");
      const status = fs.statSync(`/proc/${rec.keeper.pid}`);
      assert.equal(status.uid, host.hooksUid, "the keeper runs as the hooks' user");
      const script = `
        const fs = require("node:fs");
        const out = [];
        for (const sig of ["SIGKILL", "SIGTERM", "SIGSTOP"])
          try { process.kill(${rec.keeper.pid}, sig); out.push(sig + ":sent"); } catch (e) { out.push(sig + ":" + e.code); }
        try { fs.writeFileSync(${JSON.stringify(sim.keeperFile("plan"))}, "{}"); out.push("write:ok"); } catch (e) { out.push("write:" + e.code); }
        try { fs.readFileSync(${JSON.stringify(sim.stateFile("plan"))}); out.push("read:ok"); } catch (e) { out.push("read:" + e.code); }
        try { fs.readFileSync("/proc/${rec.keeper.pid}/environ"); out.push("environ:ok"); } catch (e) { out.push("environ:" + e.code); }
        console.log(out.join(" "));`;
      const cmd = host.asAgent(host.layout.node, ["-e", script]);
      const { execFileSync } = await import("node:child_process");
      const said = execFileSync(cmd.file, [...cmd.args], { encoding: "utf8" }).trim();
      assert.equal(said, "SIGKILL:EPERM SIGTERM:EPERM SIGSTOP:EPERM write:EACCES read:EACCES environ:EACCES");
      assert.equal(isAlive(rec.keeper), true);
      const post = await agent.runHook(
        "terraform-post-plan",
        sim.hookEnv(sim.agentEnvFile("post.env"), null),
      );
      assert.equal(post.code, 0, post.stderr);
      assert.equal(isAlive(rec.keeper), false);
      await assertCleanAfterRun(world, sim);
    } finally {
      await agent.kill();
      sim.dispose();
      host.dispose();
      await world.stop();
    }
  });
});
