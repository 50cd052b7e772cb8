/**
 * Every way a hook can fail, made to happen: each must exit non-zero with one line that says what
 * failed and what to check, write nothing to $TFC_AGENT_ENV, and leave nothing alive (leases, IAM
 * users, tokens, state files) and no secret anywhere. Transient faults must be retried instead.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { AgentSimulator } from "../support/agent-simulator";
import { assertCleanAfterRun, assertFailedWith } from "./assertions";
import { createTestCa } from "../support/test-ca";
import { ROOT_USER, RUN, World, type WorldOptions } from "./world";

describe("hooks: failure paths", function () {
  this.timeout(60_000);
  let world: World;
  let sim: AgentSimulator;

  async function setUp(
    options: WorldOptions = {},
    workspaceEnv: Readonly<Record<string, string | undefined>> = {},
    agentEnv: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    world = await World.start(options);
    sim = world.simulator({ workspaceEnv: world.workspaceEnv(workspaceEnv), agentEnv });
  }

  afterEach(async () => {
    try {
      // A test that failed before creating its own world must not re-check the previous one.
      if (sim?.isDisposed() === false) await assertCleanAfterRun(world, sim);
    } finally {
      // Always close the doubles, or mocha would wait on their sockets forever.
      sim?.dispose();
      await world?.stop();
    }
  });

  describe("pre hook: contract", () => {
    const cases: Array<[string, Record<string, string | undefined>, RegExp]> = [
      [
        "TFC_VAULT_ADDR missing",
        { TFC_VAULT_ADDR: undefined },
        /TFC_VAULT_ADDR is not set; check: set the workspace variable TFC_VAULT_ADDR/,
      ],
      [
        "TFC_VAULT_ADDR not https",
        { TFC_VAULT_ADDR: "http://vault.example.com:8200" },
        /TFC_VAULT_ADDR http:\/\/vault\.example\.com:8200 is not https; check: use an https:\/\/ address/,
      ],
      [
        "no JWT role for the phase",
        { TFC_VAULT_PLAN_ROLE: undefined },
        /no Vault JWT role for the plan phase; check: set the workspace variable TFC_VAULT_PLAN_ROLE \(or TFC_VAULT_RUN_ROLE\)/,
      ],
      [
        "unknown auth type",
        { TFC_VAULT_BACKED_AWS_AUTH_TYPE: "web_identity" },
        /TFC_VAULT_BACKED_AWS_AUTH_TYPE="web_identity" is not supported; check: set it to one of iam_user, assumed_role/,
      ],
      [
        "CA cert not PEM",
        { TFC_VAULT_ENCODED_CACERT: "bm90IGEgY2VydA==" },
        /TFC_VAULT_ENCODED_CACERT is not a base64-encoded PEM certificate/,
      ],
      [
        "mount path with ..",
        { TFC_VAULT_BACKED_AWS_MOUNT_PATH: "aws/../sys" },
        /TFC_VAULT_BACKED_AWS_MOUNT_PATH="aws\/\.\.\/sys" is not a valid Vault path/,
      ],
      [
        "JWT role is ..",
        { TFC_VAULT_PLAN_ROLE: ".." },
        /TFC_VAULT_PLAN_ROLE="\.\." is not a valid role name/,
      ],
      [
        "the extra sleep does not fit in the hook timeout",
        { TFC_VAULT_BACKED_AWS_SLEEP_SECONDS: "50" },
        /TFC_VAULT_BACKED_AWS_SLEEP_SECONDS=50 does not fit in the hook's budget \(45 s of the 60 s hook timeout\); check: lower it, or raise TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT/,
      ],
      [
        "sleep seconds not a number",
        { TFC_VAULT_BACKED_AWS_SLEEP_SECONDS: "ten" },
        /TFC_VAULT_BACKED_AWS_SLEEP_SECONDS="ten" is not a whole number of seconds up to 1500/,
      ],
    ];
    for (const [what, env, message] of cases) {
      it(`fails closed when ${what}`, async () => {
        await setUp({}, env);
        const plan = await sim.runPhase("plan");
        assertFailedWith(plan.pre, message);
        assert.equal(plan.agentEnv, "");
        assert.equal(plan.terraform, undefined);
        assert.deepEqual(world.vault.requests, []);
        assert.equal(plan.post.code, 0);
      });
    }

    it("fails closed when the agent's hook timeout is not a duration", async () => {
      await setUp({}, {}, { TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "ninety" });
      const plan = await sim.runPhase("plan");
      assertFailedWith(plan.pre, /TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT="ninety" is not a duration/);
      assert.deepEqual(world.vault.requests, []);
    });

    it("fails closed when the agent injects no workload identity token", async () => {
      world = await World.start();
      sim = world.simulator({ tokenFor: () => null });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /TFC_WORKLOAD_IDENTITY_TOKEN is not set; check: set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE .*tfc-agent >= 1\.7/,
      );
      assert.equal(plan.agentEnv, "");
    });

    it("fails closed when the agent sets no TFC_AGENT_ENV (agent < 1.9)", async () => {
      await setUp();
      const env = sim.hookEnv("", world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId }));
      delete env.TFC_AGENT_ENV;
      const result = await sim.runHook("terraform-pre-plan", env);
      assertFailedWith(
        result,
        /TFC_AGENT_ENV is not set, so credentials cannot be handed to Terraform; check: run tfc-agent >= 1\.9/,
      );
    });

    it("fails closed when TFC_RUN_ID is not a run id", async () => {
      await setUp();
      const env = sim.hookEnv(path.join(sim.home, "x.env"), "a.b.c");
      env.TFC_RUN_ID = "../../etc";
      assertFailedWith(
        await sim.runHook("terraform-pre-plan", env),
        /TFC_RUN_ID is not a run id \(run-\.\.\.\); check: run the hooks under tfc-agent/,
      );
    });
  });

  describe("pre hook: Vault", () => {
    it("fails closed when Vault is unreachable, after bounded retries", async () => {
      const closed = net.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      await setUp({ tls: false }, { TFC_VAULT_ADDR: `http://127.0.0.1:${port}` });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /Vault login .* failed: cannot reach Vault at http:\/\/127\.0\.0\.1:\d+ for POST \/v1\/auth\/jwt\/login \(ECONNREFUSED\); check: that TFC_VAULT_ADDR is reachable/,
      );
      assert.ok(plan.pre.durationMs < 10_000, "retries must be bounded");
    });

    it("fails closed when Vault's certificate is from another CA", async () => {
      const other = await createTestCa("someone else's CA");
      await setUp({}, { TFC_VAULT_ENCODED_CACERT: other.encoded });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed .*check: that TFC_VAULT_ENCODED_CACERT is the base64 PEM/,
      );
    });

    it("fails closed when the JWT role does not exist", async () => {
      await setUp({}, { TFC_VAULT_PLAN_ROLE: "nope" });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /Vault login with role "nope" on auth\/jwt was refused: Vault answered 400 .*role "nope" could not be found; check: that the JWT role "nope" on auth\/jwt exists/,
      );
    });

    it("fails closed after retries when Vault stays sealed (503)", async () => {
      await setUp();
      world.vault.injectFault({ kind: "sealed" }, { times: Infinity });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /Vault login .* failed after retries: Vault answered 503 .*Vault is sealed; check: Vault's health/,
      );
      assert.equal(world.vault.requests.length, 4, "4 attempts, then give up");
    });

    for (const fault of [
      { kind: "sealed" },
      { kind: "rate-limited" },
      { kind: "reset" },
      { kind: "slow", delayMs: 300 },
    ] as const) {
      it(`rides out a transient ${fault.kind} answer (retried or waited for) and succeeds`, async () => {
        await setUp();
        world.vault.injectFault(fault, { path: "auth/jwt/login", times: 2 });
        world.vault.injectFault(fault, { path: "aws/creds/plan", times: 1 });
        const plan = await sim.runPhase("plan");
        assert.equal(plan.pre.code, 0, plan.pre.stderr);
        assert.equal(plan.terraform?.code, 0);
        assert.equal(plan.post.code, 0, plan.post.stderr);
      });
    }

    it("fails closed, and revokes the token (and so its lease), when the credentials answer is not JSON", async () => {
      await setUp();
      world.vault.injectFault({ kind: "malformed" }, { path: "aws/creds/plan" });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /reading AWS credentials from aws\/creds\/plan failed: Vault's answer to GET \/v1\/aws\/creds\/plan \(status 200\) is not valid JSON; check: that TFC_VAULT_ADDR points at Vault itself/,
      );
      assert.ok(world.vault.requests.some((r) => r.path === "auth/token/revoke-self" && r.status === 204));
    });

    it("fails closed when the credentials answer lacks secret_key", async () => {
      await setUp();
      world.vault.injectFault(
        {
          kind: "rewrite",
          rewrite: (b) => ({ ...b, data: { ...(b.data as object), secret_key: undefined } }),
        },
        { path: "aws/creds/plan" },
      );
      const plan = await sim.runPhase("plan");
      assertFailedWith(plan.pre, /Vault's answer to GET \/v1\/aws\/creds\/plan has no secret_key/);
    });

    it("fails closed when STS credentials come without a session token", async () => {
      await setUp({ credentialType: "federation_token" });
      world.vault.injectFault(
        { kind: "rewrite", rewrite: (b) => ({ ...b, data: { ...(b.data as object), session_token: null } }) },
        { path: "aws/sts/plan" },
      );
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /Vault's answer to GET \/v1\/aws\/sts\/plan has no session_token or security_token \(is TFC_VAULT_BACKED_AWS_AUTH_TYPE=federation_token the role's credential_type\?\)/,
      );
    });

    it("fails closed when Vault answers slower than the hook's budget", async () => {
      await setUp({}, {}, { TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "4" });
      world.vault.injectFault({ kind: "slow", delayMs: 5000 }, { path: "auth/jwt/login" });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /Vault login .* failed: Vault did not answer POST \/v1\/auth\/jwt\/login within 3 s/,
      );
      assert.ok(plan.pre.durationMs < 4000, `took ${plan.pre.durationMs} ms, past the 4 s hook timeout`);
    });
  });

  describe("pre hook: AWS readiness", () => {
    it("fails closed when AWS never accepts the keys within the probe budget, and revokes the lease", async () => {
      await setUp({ propagationDelayMs: 60_000 }, {}, { TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "4" });
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /AWS did not accept the new credentials within \d+\.\d s \(\d+ sts:GetCallerIdentity probes, last: InvalidClientTokenId; budget: 3 s of the 4 s hook timeout\); check: that the agent reaches AWS STS/,
      );
      // Checked against what the AWS double recorded, not against wall time (which a loaded
      // machine stretches): every probe the hook counted reached AWS, and none was accepted.
      const reported = Number(/\((\d+) sts:GetCallerIdentity probes/.exec(plan.pre.stderr)?.[1]);
      const recorded = world.aws.probes.filter((p) => p.accessKeyId.startsWith("AKIA"));
      assert.equal(recorded.length, reported, "probes reported vs probes AWS saw");
      assert.ok(reported >= 1 && recorded.every((p) => !p.ok && p.code === "InvalidClientTokenId"));
      assert.equal(plan.agentEnv, "");
      assert.ok(
        world.vault.requests.some(
          (r) => r.path.startsWith("sys/leases/revoke/aws/creds/plan/") && r.status === 204,
        ),
      );
    });

    it("fails closed when AWS STS is unreachable", async () => {
      await setUp(
        {},
        { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" },
        { TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "3" },
      );
      const plan = await sim.runPhase("plan");
      assertFailedWith(
        plan.pre,
        /AWS did not accept the new credentials .*last: (ECONNREFUSED|UnknownError|Error)/,
      );
    });

    it("fails closed, revoking everything, when TFC_AGENT_ENV cannot be written", async () => {
      await setUp();
      const dir = path.join(sim.home, "not-a-file");
      fs.mkdirSync(dir);
      const env = sim.hookEnv(dir, world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId }));
      assertFailedWith(
        await sim.runHook("terraform-pre-plan", env),
        /cannot append to TFC_AGENT_ENV; check: that the agent's TFC_AGENT_ENV file is writable/,
      );
    });
  });

  describe("pre hook killed at its timeout", () => {
    it("leaves what the post hook needs to revoke the lease and the token", async () => {
      await setUp({ propagationDelayMs: 60_000 });
      const envFile = sim.agentEnvFile("op.env");
      const stateFile = sim.stateFile("plan");
      const pre = await sim.runHook(
        "terraform-pre-plan",
        sim.hookEnv(envFile, world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId })),
        // Once it holds a lease (it records that it started before anything else).
        () => fs.existsSync(stateFile) && fs.readFileSync(stateFile, "utf8").includes('"status":"issued"'),
      );
      assert.equal(pre.code, null, "killed by a signal");
      assert.equal(fs.readFileSync(envFile, "utf8"), "");
      assert.equal(world.vault.liveLeases().length, 1);
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(envFile, null));
      assert.equal(post.code, 0, post.stderr);
      assert.match(post.stdout, /revoked lease aws\/creds\/plan\//);
    });

    it("killed before it held a lease: the post hook says the pre hook did not finish (exit 1), not 'nothing to revoke'", async () => {
      await setUp();
      // What a pre hook killed between recording its start and holding a lease leaves behind
      // (pre-hook.ts writes exactly this before it logs in). Written here, not raced with a kill.
      const stateFile = sim.stateFile("plan");
      const started = {
        version: 3,
        status: "started",
        runId: sim.runId,
        phase: "plan",
        startedAt: Date.now(),
      };
      fs.writeFileSync(stateFile, JSON.stringify(started), { mode: 0o600 });
      const envFile = sim.agentEnvFile("op.env");
      fs.rmSync(envFile);
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(envFile, null));
      assertFailedWith(
        post,
        /terraform-pre-plan did not finish for run-\w+ \(started \S+\): a Vault token or lease it may have obtained is not known here and ends at its TTL/,
      );
      assert.equal(fs.existsSync(stateFile), true, "kept: running the post hook again says the same");
      fs.rmSync(stateFile);
    });
  });

  describe("post hook", () => {
    it("exits 0 with a note when there is nothing to revoke, and running twice is harmless", async () => {
      await setUp();
      const plan = await sim.runPhase("plan");
      assert.equal(plan.post.code, 0);
      const again = await sim.runHook("terraform-post-plan", sim.hookEnv(path.join(sim.home, "x.env"), null));
      assert.equal(again.code, 0);
      assert.match(
        again.stdout,
        /nothing to revoke: terraform-pre-plan obtained nothing for run-\w+ on this agent/,
      );
    });

    it("fails with the lease id and its remaining TTL when revocation fails, and keeps the state for a retry", async () => {
      await setUp();
      world.vault.failUserDeletion = true;
      const plan = await sim.runPhase("plan");
      assert.equal(plan.pre.code, 0);
      assertFailedWith(
        plan.post,
        /lease aws\/creds\/plan\/\S+ is not confirmed revoked \(revoking lease aws\/creds\/plan\/\S+ was refused: Vault answered 400 .*DeleteConflict.*\); it stays valid for up to 1[45]m\d+s; check: revoke it by hand \(vault lease revoke -sync aws\/creds\/plan\/\S+/,
      );
      assert.equal(fs.existsSync(sim.stateFile("plan")), true, "the state is kept for a retry");
      // The operator fixes IAM and runs the post hook again: now it proves the revocation.
      world.vault.failUserDeletion = false;
      const again = await sim.runHook("terraform-post-plan", sim.hookEnv(sim.agentEnvFile("x.env"), null));
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /revoked lease aws\/creds\/plan\//);
    });

    it("fails with the lease id and its remaining TTL when Vault is down, and keeps the state for a retry", async () => {
      await setUp();
      const plan = await sim.runPhase("plan");
      assert.equal(plan.post.code, 0);
      const agentEnv = sim.agentEnvFile("op.env");
      const pre = await sim.runHook(
        "terraform-pre-apply",
        sim.hookEnv(agentEnv, world.issuer.issue({ ...RUN, phase: "apply", runId: sim.runId })),
      );
      assert.equal(pre.code, 0, pre.stderr);
      fs.rmSync(agentEnv); // the operation is over, as the agent would
      world.vault.injectFault({ kind: "sealed" }, { times: Infinity });
      const post = await sim.runHook("terraform-post-apply", sim.hookEnv(agentEnv, null));
      assertFailedWith(
        post,
        /lease aws\/creds\/apply\/\S+ is not confirmed revoked \(revoking lease aws\/creds\/apply\/\S+ failed after retries: Vault answered 503 .*; then looking the lease up failed after retries: Vault answered 503 .*\); it stays valid for up to 1[45]m\d+s; check: revoke it by hand/,
      );
      assert.equal(fs.existsSync(sim.stateFile("apply")), true, "the state is kept for a retry");
      world.vault.clearFaults();
      const again = await sim.runHook("terraform-post-apply", sim.hookEnv(agentEnv, null));
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /revoked lease aws\/creds\/apply\//);
    });

    it("a phase that outlived the token's TTL: no proof the lease is gone, so exit 1 with its id and TTL (no inference)", async () => {
      await setUp({ tokenTtlSeconds: 2, tokenMaxTtlSeconds: 2 });
      const agentEnv = sim.agentEnvFile("op.env");
      const pre = await sim.runHook(
        "terraform-pre-plan",
        sim.hookEnv(agentEnv, world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId })),
      );
      assert.equal(pre.code, 0, pre.stderr);
      fs.rmSync(agentEnv);
      await new Promise((r) => setTimeout(r, 2200));
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(agentEnv, null));
      // Before: "Vault revoked lease ... with it", exit 0, inferred from two 403s (repro r1b).
      assertFailedWith(
        post,
        /lease aws\/creds\/plan\/\S+ is not confirmed revoked \(revoking lease \S+ was refused: Vault answered 403 .*; then looking the lease up was refused: Vault answered 403 .*\); it stays valid for up to \d+m?\d*s?; check: revoke it by hand/,
      );
      assert.doesNotMatch(post.stdout, /revoked/);
      fs.rmSync(sim.stateFile("plan"));
      fs.rmSync(sim.keeperFile("plan"));
    });

    it("a phase that outlived the token's TTL while Vault cannot delete the IAM user: exit 1, the user stays (repro r1b)", async () => {
      await setUp({ tokenTtlSeconds: 2, tokenMaxTtlSeconds: 2 });
      const agentEnv = sim.agentEnvFile("op.env");
      const pre = await sim.runHook(
        "terraform-pre-plan",
        sim.hookEnv(agentEnv, world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId })),
      );
      assert.equal(pre.code, 0, pre.stderr);
      fs.rmSync(agentEnv);
      world.vault.failUserDeletion = true;
      await new Promise((r) => setTimeout(r, 2200));
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(agentEnv, null));
      assertFailedWith(
        post,
        /lease aws\/creds\/plan\/\S+ is not confirmed revoked .*; it stays valid for up to/,
      );
      await world.vault.settled();
      assert.equal(world.aws.dynamicUsers([ROOT_USER]).length, 1, "the IAM user really is still there");
      world.vault.failUserDeletion = false;
      for (const lease of world.vault.liveLeases()) world.vault.revokeLeaseNow(lease.leaseId);
      fs.rmSync(sim.stateFile("plan"));
      fs.rmSync(sim.keeperFile("plan"));
    });

    it("does not trust a 204: a lease still live after revocation fails the hook", async () => {
      await setUp();
      world.vault.injectFault({ kind: "status", status: 204 }, { path: "sys/leases/revoke/" });
      const plan = await sim.runPhase("plan");
      assert.equal(plan.pre.code, 0, plan.pre.stderr);
      assertFailedWith(
        plan.post,
        /lease aws\/creds\/plan\/\S+ is not confirmed revoked \(Vault still lists lease aws\/creds\/plan\/\S+ after revoking it\); it stays valid for up to 1[45]m\d+s/,
      );
      world.vault.clearFaults();
      const again = await sim.runHook("terraform-post-plan", sim.hookEnv(sim.agentEnvFile("x.env"), null));
      assert.equal(again.code, 0, again.stderr);
    });

    it("fails on a state file it did not write, and keeps it for inspection", async () => {
      await setUp();
      fs.writeFileSync(sim.stateFile("plan"), "{not json", { mode: 0o600 });
      const result = await sim.runHook(
        "terraform-post-plan",
        sim.hookEnv(path.join(sim.home, "x.env"), null),
      );
      assertFailedWith(
        result,
        /run-\w+-plan\.json is not a state file this hook wrote \(kept for inspection\), so no lease can be revoked from it/,
      );
      assert.equal(fs.existsSync(sim.stateFile("plan")), true);
      fs.rmSync(sim.stateFile("plan"));
    });

    it("keeps the state file private (dir 0700, file 0600) while the phase runs", async () => {
      await setUp();
      const agentEnv = sim.agentEnvFile("op.env");
      const pre = await sim.runHook(
        "terraform-pre-plan",
        sim.hookEnv(agentEnv, world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId })),
      );
      assert.equal(pre.code, 0, pre.stderr);
      const dir = sim.host.layout.stateDir;
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(dir, `${sim.runId}-plan.json`)).mode & 0o777, 0o600);
      fs.rmSync(agentEnv);
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(agentEnv, null));
      assert.equal(post.code, 0, post.stderr);
    });
  });
});
