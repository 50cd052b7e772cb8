/**
 * Several AWS configurations in one run (docs/hooks.md, "Several AWS configurations"): the default
 * one and tagged ones (`TFC_VAULT_BACKED_AWS_AUTH_<TAG>`...), whole runs through the BUILT hooks,
 * with a stand-in Terraform that uses every alias the way native-flow code does
 * (`var.tfc_vault_backed_aws_dynamic_credentials.aliases[<tag>].shared_credentials_file`) and the
 * default through the environment (a provider block without arguments).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import type { AgentSimulator, PhaseResult } from "../support/agent-simulator";
import type { AwsCredentialType } from "../support/vault-double";
import { assertCleanAfterRun, assertFailedWith } from "./assertions";
import { RUN, World } from "./world";

/**
 * The stand-in Terraform: `sts:GetCallerIdentity` once with what a provider block without
 * arguments gets (the environment: AWS_* or AWS_SHARED_CREDENTIALS_FILE), then once per entry of
 * the Terraform variable, with the `[default]` profile of that entry's shared credentials file.
 * Prints `terraform: <name> acts as <arn>` per call (ARNs only: no key ever reaches the output).
 */
const TERRAFORM_WITH_ALIASES = `
const fs = require("node:fs");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const variable = JSON.parse(process.env.TF_VAR_tfc_vault_backed_aws_dynamic_credentials);
function profile(file) {
  const keys = {};
  let section = "";
  for (const line of fs.readFileSync(file, "utf8").split("\\n")) {
    const s = /^\\[(.+)\\]$/.exec(line.trim());
    if (s) { section = s[1]; continue; }
    const kv = /^([a-z_]+)\\s*=\\s*(.+)$/.exec(line.trim());
    if (kv && section === "default") keys[kv[1]] = kv[2];
  }
  return {
    accessKeyId: keys.aws_access_key_id,
    secretAccessKey: keys.aws_secret_access_key,
    ...(keys.aws_session_token ? { sessionToken: keys.aws_session_token } : {}),
  };
}
async function who(name, credentials) {
  const sts = new STSClient({ region: "us-east-1", maxAttempts: 1, ...(credentials ? { credentials } : {}) });
  try {
    const r = await sts.send(new GetCallerIdentityCommand({}));
    console.log("terraform: " + name + " acts as " + r.Arn);
  } finally { sts.destroy(); }
}
(async () => {
  await who("provider", undefined);
  await who("default", profile(variable.default.shared_credentials_file));
  for (const [tag, a] of Object.entries(variable.aliases)) await who(tag, profile(a.shared_credentials_file));
})().catch((e) => { console.error("terraform: AWS refused: " + e.name); process.exitCode = 1; });
`;

/** `name -> arn` from the stand-in's lines. */
function actingAs(result: PhaseResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (result.terraform?.stdout ?? "").matchAll(/^terraform: (\S+) acts as (\S+)$/gm))
    out.set(m[1], m[2]);
  return out;
}

/** `configuration label -> { arn, masked key }` from the pre hook's success lines. */
function preLines(result: PhaseResult): Map<string, { arn: string; key: string }> {
  const out = new Map<string, { arn: string; key: string }>();
  for (const m of result.pre.stdout.matchAll(
    /AWS credentials ready for \w+, (default configuration|configuration "(\w+)"): .* key (\S+); run \S+ acts as (\S+)$/gm,
  ))
    out.set(m[2] ?? "default", { key: m[3], arn: m[4] });
  return out;
}

const TAGS = ["NET", "LOGS", "AUDIT"];

describe("hooks: several AWS configurations (tags)", function () {
  this.timeout(90_000);
  let world: World;
  let sim: AgentSimulator;

  afterEach(async () => {
    try {
      if (sim?.isDisposed() === false) await assertCleanAfterRun(world, sim);
    } finally {
      sim?.dispose();
      await world?.stop();
    }
  });

  async function start(
    type: AwsCredentialType,
    tags: readonly string[],
    extra: (w: World) => Record<string, string | undefined> = () => ({}),
  ): Promise<Record<string, string>> {
    world = await World.start({ credentialType: type });
    const env: Record<string, string | undefined> = {};
    tags.forEach((t, i) => Object.assign(env, world.addAwsConfiguration(t, { account: `21098765432${i}` })));
    Object.assign(env, extra(world));
    const workspaceEnv = world.workspaceEnv(env);
    sim = world.simulator({ workspaceEnv, terraform: TERRAFORM_WITH_ALIASES });
    return workspaceEnv;
  }

  function assertEveryAliasUsed(phase: PhaseResult, tags: readonly string[], type: AwsCredentialType): void {
    assert.equal(phase.pre.code, 0, phase.pre.stderr);
    assert.equal(phase.terraform?.code, 0, phase.terraform?.stderr);
    const issued = preLines(phase);
    const used = actingAs(phase);
    assert.deepEqual([...issued.keys()].sort(), ["default", ...tags].sort());
    // The provider block without arguments and the variable's default: the default configuration.
    assert.equal(used.get("provider"), issued.get("default")?.arn);
    for (const name of ["default", ...tags])
      assert.equal(used.get(name), issued.get(name)?.arn, `${name} in Terraform`);
    const keys = [...issued.values()].map((i) => i.key);
    assert.equal(new Set(keys).size, tags.length + 1, "each configuration has its own keys");
    // session_token keys act as the engine's own IAM user (GetSessionToken): one principal for all.
    if (type !== "session_token")
      assert.equal(new Set(used.values()).size, tags.length + 1, "each configuration is its own principal");
    if (type === "assumed_role") {
      tags.forEach((t, i) =>
        assert.match(
          issued.get(t)?.arn ?? "",
          new RegExp(
            `^arn:aws:sts::21098765432${i}:assumed-role/${t.toLowerCase()}-${phase.phase}/tfc-${sim.runId}-${phase.phase}$`,
          ),
        ),
      );
    }
    // With tags: no AWS_* keys (they would win over every alias), the default's file instead.
    const handed = sim.credentialsFrom(phase.agentEnv);
    assert.deepEqual(
      Object.keys(handed).filter((k) => !k.startsWith("TFC_WORKLOAD_IDENTITY_TOKEN_")),
      [
        "AWS_SHARED_CREDENTIALS_FILE",
        "TF_VAR_tfc_vault_backed_aws_dynamic_credentials",
        "TFC_WORKLOAD_IDENTITY_TOKEN",
      ],
    );
    const variable = JSON.parse(handed.TF_VAR_tfc_vault_backed_aws_dynamic_credentials) as {
      default: { shared_credentials_file: string };
      aliases: Record<string, { shared_credentials_file: string }>;
    };
    assert.deepEqual(Object.keys(variable.aliases).sort(), [...tags].sort());
    assert.equal(handed.AWS_SHARED_CREDENTIALS_FILE, variable.default.shared_credentials_file);
    // The post hook deleted every file.
    for (const f of [variable.default, ...Object.values(variable.aliases)])
      assert.equal(fs.existsSync(f.shared_credentials_file), false, `${f.shared_credentials_file} is left`);
    assert.equal(phase.post.code, 0, phase.post.stderr);
    for (const name of ["default configuration", ...tags.map((t) => `configuration "${t}"`)])
      assert.ok(
        phase.post.stdout.includes(`${name}: `),
        `the post hook reports ${name}: ${phase.post.stdout}`,
      );
  }

  for (const type of ["iam_user", "assumed_role", "federation_token", "session_token"] as const) {
    for (const count of [2, 3]) {
      it(`${type}, ${count} tagged configurations: Terraform uses every alias; the post hook revokes all and deletes every file`, async () => {
        const tags = TAGS.slice(0, count);
        await start(type, tags);
        const run = await sim.runRun();
        assert.equal(run.length, 2, run[0].pre.stderr + run[0].post.stderr);
        for (const phase of run) assertEveryAliasUsed(phase, tags, type);
        // Each configuration logged in on its own: one login per configuration per phase.
        const logins = world.vault.requests.filter((r) => r.path === "auth/jwt/login");
        assert.equal(logins.length, 2 * (count + 1));
      });
    }
  }

  for (const type of ["iam_user", "assumed_role"] as const) {
    it(`${type}: a refused tag fails the pre hook with one line naming it, and leaves nothing alive`, async () => {
      world = await World.start({ credentialType: type });
      const env = {
        ...world.addAwsConfiguration("NET"),
        ...world.addAwsConfiguration("LOGS", { refusedIn: "plan" }),
      };
      const workspaceEnv = world.workspaceEnv(env);
      sim = world.simulator({ workspaceEnv, terraform: TERRAFORM_WITH_ALIASES });
      const [plan] = await sim.runRun();
      assertFailedWith(
        plan.pre,
        /^terraform-pre-plan: ERROR: configuration "LOGS": reading AWS credentials from aws\/(creds|sts)\/plan-logs was refused: Vault answered 403 .*TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_LOGS/,
      );
      assert.equal(plan.agentEnv, "", "nothing reached $TFC_AGENT_ENV");
      assert.equal(plan.terraform, undefined);
      // The others' leases were read and revoked (proven), every token revoked, no file written.
      const revoked = world.vault.requests.filter((r) => r.path.startsWith("sys/leases/revoke/"));
      assert.equal(revoked.length, 2, "the default's and NET's leases");
      const left = await world.leftovers();
      assert.deepEqual(left, { leases: 0, users: [], tokens: 0 });
      assert.deepEqual(fs.readdirSync(sim.host.layout.credentialsDir), []);
      if (type === "iam_user")
        for (const key of world.vault.issuedSecrets().filter((s) => s.startsWith("AKIA")))
          assert.equal(world.aws.userOfAccessKey(key), undefined, "AWS still knows an issued key");
    });
  }

  it("a workspace's variables copied from a native-flow workspace (TFC_DEFAULT_*, tags, AUTH=false) work unchanged", async () => {
    world = await World.start({ credentialType: "assumed_role" });
    for (const [t, i] of [
      ["NET", 0],
      ["LOGS", 1],
    ] as const)
      world.addAwsConfiguration(t, { account: `21098765432${i}` });
    // As a native-flow workspace sets them: run-level roles per tag, the rest from TFC_DEFAULT_.
    const workspaceEnv = world.workspaceEnv({
      TFC_VAULT_BACKED_AWS_AUTH: "false",
      TFC_VAULT_BACKED_AWS_AUTH_TYPE: undefined,
      TFC_DEFAULT_VAULT_BACKED_AWS_AUTH_TYPE: "assumed_role",
      TFC_DEFAULT_VAULT_BACKED_AWS_MOUNT_PATH: "aws",
      TFC_VAULT_BACKED_AWS_AUTH_NET: "false",
      TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_NET: "plan-net",
      TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_NET: "apply-net",
      TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN_NET: "arn:aws:iam::210987654320:role/net-plan",
      TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN_NET: "arn:aws:iam::210987654320:role/net-apply",
      TFC_VAULT_BACKED_AWS_AUTH_LOGS: "false",
      TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_LOGS: "plan-logs",
      TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_LOGS: "apply-logs",
      TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN_LOGS: "arn:aws:iam::210987654321:role/logs-plan",
      TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN_LOGS: "arn:aws:iam::210987654321:role/logs-apply",
    });
    sim = world.simulator({ workspaceEnv, terraform: TERRAFORM_WITH_ALIASES });
    const run = await sim.runRun();
    assert.equal(run.length, 2, run[0].pre.stderr);
    for (const phase of run) assertEveryAliasUsed(phase, ["NET", "LOGS"], "assumed_role");
  });

  it("native and ours mixed across configurations fails closed, naming both sides, before anything is obtained", async () => {
    await start("iam_user", ["NET"], () => ({ TFC_VAULT_BACKED_AWS_AUTH_NET: "true" }));
    const [plan] = await sim.runRun();
    assertFailedWith(
      plan.pre,
      /native flow is on for TFC_VAULT_BACKED_AWS_AUTH_NET but not for TFC_VAULT_BACKED_AWS_AUTH, .*; check: switch all of a workspace's configurations together/,
    );
    assert.equal(world.vault.requests.length, 0, "nothing was asked of Vault");
  });

  it("every configuration true: the native flow is in charge and the hooks stand down", async () => {
    await start("iam_user", ["NET"], () => ({
      TFC_VAULT_BACKED_AWS_AUTH: "true",
      TFC_VAULT_BACKED_AWS_AUTH_NET: "TRUE",
    }));
    const [plan] = await sim.runRun();
    assert.equal(plan.pre.code, 0, plan.pre.stderr);
    assert.match(
      plan.pre.stdout,
      /native Vault-backed AWS credentials are in charge; this hook does nothing/,
    );
    assert.equal(world.vault.requests.length, 0);
  });

  it("a tagged Vault configuration: the tag logs in on its own mount with its own token (TFC_WORKLOAD_IDENTITY_TOKEN_<V>)", async () => {
    await start("iam_user", ["NET"], (w) => ({
      ...w.addVaultConfiguration("HUB", "hub.workload.identity"),
      TFC_VAULT_BACKED_AWS_VAULT_CONFIG_NET: "HUB",
    }));
    const run = await sim.runRun();
    assert.equal(run.length, 2, run[0].pre.stderr);
    for (const phase of run) {
      assertEveryAliasUsed(phase, ["NET"], "iam_user");
      // Its token is handed back emptied too. The launcher appends it to $TFC_AGENT_ENV once it
      // renders HANDED_BACK_PATTERNS (hooks/src/agent-env.ts); until then it prints the line.
      assert.match(`${phase.agentEnv}${phase.pre.stdout}`, /^TFC_WORKLOAD_IDENTITY_TOKEN_HUB=$/m);
    }
    const logins = world.vault.requests.filter((r) => /^auth\/jwt(-hub)?\/login$/.test(r.path));
    assert.deepEqual(logins.map((r) => r.path).sort(), [
      "auth/jwt-hub/login",
      "auth/jwt-hub/login",
      "auth/jwt/login",
      "auth/jwt/login",
    ]);
    // Its own token: the hub roles accept only the hub audience and the default's only the
    // default's, so both logins succeeding (with their statuses) proves each used its own.
    assert.deepEqual(
      logins.map((r) => r.status),
      [200, 200, 200, 200],
    );
  });

  it("a tagged Vault configuration without its token fails closed naming TFC_WORKLOAD_IDENTITY_AUDIENCE_<V>", async () => {
    await start("iam_user", ["NET"], (w) => ({
      ...w.addVaultConfiguration("HUB", "hub.workload.identity"),
      TFC_WORKLOAD_IDENTITY_AUDIENCE_HUB: undefined,
      TFC_VAULT_BACKED_AWS_VAULT_CONFIG_NET: "HUB",
    }));
    const [plan] = await sim.runRun();
    assertFailedWith(
      plan.pre,
      /configuration "NET": TFC_WORKLOAD_IDENTITY_TOKEN_HUB is not set; check: set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE_HUB .*tfc-agent >= 1\.12/,
    );
    assert.equal(world.vault.requests.length, 0);
  });

  it("the keeper renews every lease of a multi-configuration phase, and revokes all (and deletes the files) when the agent is gone", async () => {
    const TTL = 3;
    world = await World.start({ tls: false, leaseTtlSeconds: TTL, tokenTtlSeconds: TTL });
    const workspaceEnv = world.workspaceEnv({
      ...world.addAwsConfiguration("NET"),
      ...world.addAwsConfiguration("LOGS"),
    });
    sim = world.simulator({ workspaceEnv });
    const agent = sim.startAgent();
    try {
      const envFile = sim.agentEnvFile("plan.env");
      const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
      const pre = await agent.runHook("terraform-pre-plan", sim.hookEnv(envFile, jwt));
      assert.equal(pre.code, 0, pre.stderr);
      assert.equal(world.vault.liveLeases().length, 3);
      // Two TTLs later every lease is still alive: each was renewed.
      await new Promise((r) => setTimeout(r, 2 * TTL * 1000));
      assert.equal(world.vault.liveLeases().length, 3, "every configuration's lease is renewed");
      const renewed = new Set(
        world.vault.requests
          .filter((r) => r.path === "sys/leases/renew" && r.status === 200)
          .map((r) => String(r.body.lease_id)),
      );
      assert.equal(renewed.size, 3);
      await agent.kill();
      const until = Date.now() + (TTL + TTL / 2) * 1000 + 2000;
      while (world.vault.liveLeases().length > 0 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      const left = await world.leftovers();
      assert.deepEqual(left, { leases: 0, users: [], tokens: 0 });
      assert.deepEqual(fs.readdirSync(sim.host.layout.credentialsDir), [], "the keeper deleted the files");
      // What the post hook would have removed: the state and the keeper's record.
      for (const f of [sim.stateFile("plan"), sim.keeperFile("plan")]) fs.rmSync(f, { force: true });
    } finally {
      await agent.kill();
    }
  });
});
