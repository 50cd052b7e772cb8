/**
 * Whole runs (pre-plan, terraform, post-plan, pre-apply, terraform, post-apply) through the BUILT
 * hooks, against the Vault, AWS and token-issuer doubles, for each credential type and for the
 * trust boundaries (phase, organization, project, workspace, audience, namespace, TLS).
 */
import { strict as assert } from "node:assert";
import type { AgentSimulator } from "../support/agent-simulator";
import { assertCleanAfterRun, assertFailedWith } from "./assertions";
import { RUN, World } from "./world";

describe("hooks: simulated runs", function () {
  this.timeout(60_000);
  let world: World;
  let sim: AgentSimulator;

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

  it("iam_user: each phase gets working keys, revoked (IAM user deleted) when the phase ends", async () => {
    world = await World.start();
    sim = world.simulator();
    const run = await sim.runRun();
    assert.equal(run.length, 2);
    for (const phase of run) {
      assert.equal(phase.pre.code, 0, phase.pre.stderr);
      assert.match(
        phase.pre.stdout,
        new RegExp(
          `AWS credentials ready for ${phase.phase}: Vault role "${phase.phase}", iam_user, lease TTL 15m0s \\(renewed while this phase runs\\), usable after [0-9.]+ s \\(\\d+ probes\\), key AKIA\\*{12}[A-Z2-7]{4}`,
        ),
      );
      assert.match(
        phase.agentEnv,
        /^AWS_ACCESS_KEY_ID=AKIA\w+\nAWS_SECRET_ACCESS_KEY=\S+\nTF_VAR_tfc_vault_backed_aws_dynamic_credentials=\{"default":\{"shared_credentials_file":"\/\S+\/run-\w+-(plan|apply)\/credentials"\},"aliases":\{\}\}\nTFC_WORKLOAD_IDENTITY_TOKEN=\n$/,
      );
      assert.equal(phase.terraform?.code, 0, phase.terraform?.stderr);
      assert.match(phase.terraform.stdout, /acting as arn:aws:iam::123456789012:user\/vault-/);
      assert.equal(phase.post.code, 0, phase.post.stderr);
      assert.match(
        phase.post.stdout,
        /revoked lease aws\/creds\/\w+\/\S+ \(IAM user and key AKIA\*+\w{4} deleted\), Vault token revoked/,
      );
    }
    const revokes = world.vault.requests.filter((r) => r.path.startsWith("sys/leases/revoke"));
    assert.deepEqual(
      revokes.map((r) => [r.method, r.path.replace(/[^/]+$/, "<id>"), r.body.sync, r.status]),
      [
        ["PUT", "sys/leases/revoke/aws/creds/plan/<id>", true, 204],
        ["PUT", "sys/leases/revoke/aws/creds/apply/<id>", true, 204],
      ],
    );
  });

  for (const type of ["assumed_role", "federation_token", "session_token"] as const) {
    it(`${type}: STS credentials work at once, and the post hook says when they expire`, async () => {
      world = await World.start({ credentialType: type });
      sim = world.simulator();
      const run = await sim.runRun();
      assert.equal(run.length, 2);
      for (const phase of run) {
        assert.equal(phase.pre.code, 0, phase.pre.stderr);
        assert.match(
          phase.pre.stdout,
          new RegExp(
            `${type}, lease TTL 15m0s, expires \\S+Z, usable after [0-9.]+ s \\(1 probes\\), key ASIA`,
          ),
        );
        assert.match(
          phase.agentEnv,
          /^AWS_ACCESS_KEY_ID=ASIA\w+\nAWS_SECRET_ACCESS_KEY=\S+\nAWS_SESSION_TOKEN=\S+\nTF_VAR_tfc_vault_backed_aws_dynamic_credentials=\{"default":\{"shared_credentials_file":"\/\S+\/run-\w+-(plan|apply)\/credentials"\},"aliases":\{\}\}\nTFC_WORKLOAD_IDENTITY_TOKEN=\n$/,
        );
        assert.equal(phase.terraform?.code, 0, phase.terraform?.stderr);
        assert.match(
          phase.post.stdout,
          new RegExp(
            `${type} credentials \\(key ASIA\\*+\\w{4}\\) cannot be revoked early: they stay valid until \\S+Z \\(1[45]m\\d+s from now\\)`,
          ),
        );
      }
      if (type === "assumed_role") {
        assert.ok(
          world.vault.requests.some(
            (r) => r.path === "aws/sts/plan" && r.body.role_arn === "arn:aws:iam::123456789012:role/tfc-plan",
          ),
        );
      }
    });
  }

  it("accepts security_token from Vault older than 1.16", async () => {
    world = await World.start({ credentialType: "assumed_role", legacySecurityToken: true });
    sim = world.simulator();
    const [plan] = await sim.runRun();
    assert.equal(plan.pre.code, 0, plan.pre.stderr);
    assert.match(plan.agentEnv, /AWS_SESSION_TOKEN=\S+/);
    assert.equal(plan.terraform?.code, 0);
  });

  it("reads run-level variables and VAULT_ADDR as fallbacks; phase-specific variables win", async () => {
    world = await World.start();
    sim = world.simulator({
      workspaceEnv: world.workspaceEnv({
        TFC_VAULT_ADDR: undefined,
        VAULT_ADDR: world.vault.address,
        // Run-level names the apply roles: the plan phase must still use its own.
        TFC_VAULT_RUN_ROLE: "tfc-apply",
        TFC_VAULT_APPLY_ROLE: undefined,
        TFC_VAULT_BACKED_AWS_RUN_VAULT_ROLE: "apply",
        TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE: undefined,
      }),
    });
    const run = await sim.runRun();
    assert.equal(run.length, 2);
    assert.ok(run.every((p) => p.pre.code === 0 && p.terraform?.code === 0 && p.post.code === 0));
    assert.deepEqual(
      world.vault.requests.filter((r) => /^aws\/creds\//.test(r.path)).map((r) => r.path),
      ["aws/creds/plan", "aws/creds/apply"],
    );
  });

  it("sends X-Vault-Namespace on every call when TFC_VAULT_NAMESPACE is set", async () => {
    world = await World.start({ namespace: "team-a" });
    sim = world.simulator();
    const run = await sim.runRun();
    assert.equal(run.length, 2);
    assert.ok(run.every((p) => p.pre.code === 0 && p.post.code === 0));
    assert.ok(world.vault.requests.length >= 10);
    assert.deepEqual([...new Set(world.vault.requests.map((r) => r.namespace))], ["team-a"]);
  });

  it("TLS: verifies Vault against TFC_VAULT_ENCODED_CACERT and fails closed without it", async () => {
    world = await World.start();
    sim = world.simulator({ workspaceEnv: world.workspaceEnv({ TFC_VAULT_ENCODED_CACERT: undefined }) });
    const [plan] = await sim.runRun();
    assertFailedWith(
      plan.pre,
      /Vault login .* failed: TLS verification of https:\/\/127\.0\.0\.1:\d+ failed .*check: that TFC_VAULT_ENCODED_CACERT/,
    );
    assert.equal(plan.agentEnv, "");
    assert.equal(plan.terraform, undefined);
    assert.equal(plan.post.code, 0);
  });

  it("TLS: NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not switch verification off", async () => {
    world = await World.start();
    sim = world.simulator({
      workspaceEnv: world.workspaceEnv({
        TFC_VAULT_ENCODED_CACERT: undefined,
        NODE_TLS_REJECT_UNAUTHORIZED: "0",
      }),
    });
    const [plan] = await sim.runRun();
    assertFailedWith(plan.pre, /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
    assert.equal(plan.agentEnv, "");
  });

  it("stands down when TFC_VAULT_BACKED_AWS_AUTH=true (the native flow is in charge)", async () => {
    world = await World.start();
    sim = world.simulator({
      workspaceEnv: world.workspaceEnv({
        TFC_VAULT_BACKED_AWS_AUTH: "true",
        TFC_VAULT_PROVIDER_AUTH: "true",
      }),
    });
    const [plan] = await sim.runRun();
    assert.equal(plan.pre.code, 0);
    assert.match(
      plan.pre.stdout,
      /TFC_VAULT_BACKED_AWS_AUTH=true: HCP Terraform's native Vault-backed AWS credentials are in charge/,
    );
    assert.equal(plan.agentEnv, "");
    assert.deepEqual(world.vault.requests, []);
  });

  it("a plan token cannot log in to the apply role", async () => {
    world = await World.start();
    sim = world.simulator({ tokenFor: (_phase, issue) => issue({ ...RUN, phase: "plan" }) });
    const run = await sim.runRun();
    assert.equal(run[0].pre.code, 0);
    assertFailedWith(
      run[1].pre,
      /Vault login with role "tfc-apply" on auth\/jwt was refused: Vault answered 400 .*claim "sub" does not match any associated bound claim values/,
    );
    assert.equal(run[1].agentEnv, "");
  });

  it("a plan token cannot read apply credentials (policy), even when asked to", async () => {
    world = await World.start();
    sim = world.simulator({
      workspaceEnv: world.workspaceEnv({ TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE: "apply" }),
    });
    const [plan] = await sim.runRun();
    assertFailedWith(
      plan.pre,
      /reading AWS credentials from aws\/creds\/apply was refused: Vault answered 403 .*permission denied.*check: that the plan policy/,
    );
    assert.equal(plan.agentEnv, "");
  });

  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ["another organization", { organization: "evil-corp" }, /claim "sub" does not match/],
    ["another project", { project: "Sandbox" }, /claim "sub" does not match/],
    ["another workspace", { workspace: "network-dev" }, /claim "sub" does not match/],
    ["another audience", { audience: "sts.amazonaws.com" }, /audience claim does not match/],
  ];
  for (const [what, change, error] of refused) {
    it(`a token from ${what} is refused`, async () => {
      world = await World.start();
      sim = world.simulator({ tokenFor: (phase, issue) => issue({ ...RUN, ...change, phase }) });
      const [plan] = await sim.runRun();
      assertFailedWith(plan.pre, error);
      assert.equal(plan.agentEnv, "");
      assert.equal(plan.terraform, undefined);
    });
  }

  it("a forged token (unknown signing key) is refused", async () => {
    world = await World.start();
    sim = world.simulator({
      tokenFor: (phase) => world.issuer.issue({ ...RUN, phase }, { foreignKey: true }),
    });
    const [plan] = await sim.runRun();
    assertFailedWith(plan.pre, /failed to verify id token signature/);
  });

  it("waits TFC_VAULT_BACKED_AWS_SLEEP_SECONDS more after the probe succeeds", async () => {
    world = await World.start();
    sim = world.simulator({ workspaceEnv: world.workspaceEnv({ TFC_VAULT_BACKED_AWS_SLEEP_SECONDS: "1" }) });
    const plan = await sim.runPhase("plan");
    assert.equal(plan.pre.code, 0, plan.pre.stderr);
    assert.ok(plan.pre.durationMs >= 1000, `pre hook took ${plan.pre.durationMs} ms`);
    assert.equal(plan.terraform?.code, 0);
  });

  it("waits out IAM propagation: usable within 10% + one backoff step of a 3 s delay", async () => {
    world = await World.start({ propagationDelayMs: 3000 });
    sim = world.simulator();
    const plan = await sim.runPhase("plan");
    assert.equal(plan.pre.code, 0, plan.pre.stderr);
    const usable = Number(/usable after ([0-9.]+) s/.exec(plan.pre.stdout)![1]);
    assert.ok(usable >= 3.0, `usable after ${usable} s, before the delay ended`);
    assert.ok(
      usable <= 3.0 * 1.1 + 1.0,
      `usable after ${usable} s: more than 10% + one backoff step (1 s) late`,
    );
    assert.equal(plan.terraform?.code, 0, plan.terraform?.stderr);
  });
});
