/**
 * Tagged AWS configurations against the shared Vault double: an onboarded entry with two tags
 * (LOGS: assumed_role, NETWORK: iam_user), its JWT roles, policies and engine roles exactly as the
 * components register them, tokens from the test issuer, and the calls the hooks make per
 * configuration (read credentials, look up / renew / revoke the lease). Least privilege per
 * phase: a plan token reads the plan credentials of every configuration and nothing of apply.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, plain, recorder, settled } from "../support/pulumi-mocks";
import { AwsDouble } from "../support/aws-double";
import { TokenIssuer, type RunIdentity } from "../support/token-issuer";
import { VaultDouble } from "../support/vault-double";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { TfcJwtTrust } from "../../components/tfc-jwt-trust";
import { OnboardedWorkspace } from "../../components/onboarded-workspace";
import {
  onboardedWorkspaceArgs,
  tfcJwtTrustArgs,
  vaultAwsEngineArgs,
} from "../../components/vault-side-args";
import { readOnboardedEntries } from "../../config/workspaces";
import { readVaultSide } from "../../config/vault";
import { seedVaultDouble } from "./seed-vault-double";
import { readerFor } from "./fixtures";

const ACCOUNT = "123456789012";
const LOG_ACCOUNT = "210987654321";
const PROJECT_ID = "prj-Analytics4";
const ENTRY = {
  project: "Analytics",
  projectId: PROJECT_ID,
  apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/analytics-write`] },
  awsConfigurations: [
    {
      tag: "LOGS",
      credentialType: "assumed_role",
      plan: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-read`] },
      apply: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-write`] },
    },
    {
      tag: "NETWORK",
      apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/network-admin`] },
    },
  ],
};

/** Where each configuration's credentials are read, per phase. */
const CREDS = {
  default: { plan: "aws/creds/tfc-project-analytics-plan", apply: "aws/creds/tfc-project-analytics-apply" },
  LOGS: {
    plan: "aws/sts/tfc-project-analytics.logs-plan",
    apply: "aws/sts/tfc-project-analytics.logs-apply",
  },
  NETWORK: {
    plan: "aws/creds/tfc-project-analytics.network-plan",
    apply: "aws/creds/tfc-project-analytics.network-apply",
  },
} as const;
const CONFIGS = Object.keys(CREDS) as (keyof typeof CREDS)[];

interface VaultAnswer {
  lease_id?: string;
  errors?: string[];
  auth?: { client_token: string; policies: string[] };
}

describe("tagged AWS configurations against the Vault double (one login per phase, every tag's roles)", function () {
  this.timeout(30_000);
  let aws: AwsDouble;
  let vault: VaultDouble;
  let issuer: TokenIssuer;

  before(async () => {
    await installMocks();
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws });
    issuer = await TokenIssuer.start();
    recorder.reset();
    const r = readerFor({ tfcAddress: issuer.issuer, allowInsecureHttp: true, workspaces: [ENTRY] });
    const side = readVaultSide(r);
    const entries = readOnboardedEntries(r, side);
    r.throwIfInvalid();
    const engine = new VaultAwsEngine("eng", vaultAwsEngineArgs(side, entries));
    const trust = new TfcJwtTrust("trust", tfcJwtTrustArgs(side, engine, pulumi.output("ws-Demo1")));
    const shared = {
      audience: side.trust.audience,
      vaultAddress: "https://vault.example.com:8200",
      authPath: trust.authPath,
      awsMountPath: engine.mountPath,
    };
    new OnboardedWorkspace("p", {
      ...onboardedWorkspaceArgs(side, entries[0], shared, undefined),
      variableSets: {
        shared: { variableSetId: pulumi.output("varset-Shared1"), members: [] },
        organization: "acme",
        projectSetName: "pool-hooks-prj-Analytics4",
      },
    });
    for (let i = 0; i < 4; i++) await settled();
    seedVaultDouble(vault, recorder.resources, { mountUser: "vault-engine-root" });
  });
  after(async () => {
    await vault.stop();
    await aws.stop();
    await issuer.stop();
  });

  const run = (phase: "plan" | "apply"): RunIdentity => ({
    organization: "acme",
    project: "Analytics",
    workspace: "analytics-etl",
    workspaceId: "ws-AnEtl1",
    projectId: PROJECT_ID,
    audience: "vault.workload.identity",
    runId: "run-tag123",
    phase,
  });

  async function call(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${vault.address}/v1/${path}`, {
      method,
      headers: { ...(token ? { "X-Vault-Token": token } : {}), "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as VaultAnswer };
  }

  async function login(phase: "plan" | "apply"): Promise<string> {
    const res = await call("POST", "auth/jwt-tfc/login", undefined, {
      role: `tfc-project-analytics-${phase}`,
      jwt: issuer.issue(run(phase)),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.auth!.client_token;
  }

  async function lease(token: string, path: string): Promise<string> {
    const res = await call("GET", path, token);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body.lease_id!;
  }

  it("a plan token reads the plan credentials of the default configuration and of every tag", async () => {
    const token = await login("plan");
    for (const c of CONFIGS) await lease(token, CREDS[c].plan);
  });

  it("a plan token cannot read apply credentials of any configuration (its own tag's, another tag's, the default's)", async () => {
    const token = await login("plan");
    for (const c of CONFIGS) {
      assert.equal((await call("GET", CREDS[c].apply, token)).status, 403, CREDS[c].apply);
    }
  });

  it("an apply token reads apply credentials of every configuration and no plan credentials", async () => {
    const token = await login("apply");
    for (const c of CONFIGS) {
      await lease(token, CREDS[c].apply);
      assert.equal((await call("GET", CREDS[c].plan, token)).status, 403, CREDS[c].plan);
    }
  });

  it("a plan token looks up, renews and revokes its tags' leases, but never an apply lease of a tag", async () => {
    const plan = await login("plan");
    const apply = await login("apply");
    const own = await lease(plan, CREDS.NETWORK.plan);
    const other = await lease(apply, CREDS.NETWORK.apply);
    const otherLogs = await lease(apply, CREDS.LOGS.apply);

    assert.equal((await call("PUT", "sys/leases/lookup", plan, { lease_id: own })).status, 200);
    assert.equal((await call("PUT", "sys/leases/renew", plan, { lease_id: own })).status, 200);
    for (const victim of [other, otherLogs]) {
      assert.equal((await call("PUT", "sys/leases/lookup", plan, { lease_id: victim })).status, 403);
      assert.equal((await call("PUT", "sys/leases/renew", plan, { lease_id: victim })).status, 403);
      assert.equal((await call("PUT", `sys/leases/revoke/${victim}`, plan, { sync: true })).status, 403);
      // Nor through the body of its own tag's revoke path (lease_id is a denied parameter).
      assert.equal(
        (await call("PUT", `sys/leases/revoke/${own}`, plan, { lease_id: victim, sync: true })).status,
        403,
      );
    }
    const live = vault.liveLeases().map((l) => l.leaseId);
    assert.ok(live.includes(other) && live.includes(otherLogs), "the apply leases are still live");
    assert.equal((await call("PUT", `sys/leases/revoke/${own}`, plan, { sync: true })).status, 204);
    assert.ok(!vault.liveLeases().some((l) => l.leaseId === own), "its own tag lease is revoked");
  });

  it("the assumed_role tag assumes its own account's role per phase", async () => {
    const plan = await login("plan");
    const res = await call("GET", CREDS.LOGS.plan, plan);
    assert.equal(res.status, 200);
    const data = (res.body as { data?: { arn?: string } }).data;
    assert.match(String(data?.arn), new RegExp(`^arn:aws:sts::${LOG_ACCOUNT}:assumed-role/log-read/`));
  });
});

describe("a Pulumi-managed engine identity with tagged configurations", () => {
  const BOUNDARY = "arn:aws:iam::123456789012:policy/tfc-boundary";
  before(async () => {
    await installMocks();
    recorder.invokes.set("aws:index/getPartition:getPartition", () => ({
      partition: "aws",
      dnsSuffix: "amazonaws.com",
    }));
    recorder.invokes.set("aws:index/getCallerIdentity:getCallerIdentity", () => ({
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
      userId: "AIDA",
    }));
    recorder.outputs.set("aws:iam/user:User", (args) => ({
      name: args.name,
      arn: `arn:aws:iam::${ACCOUNT}:user/tfc-jit-aws/${String(args.name)}`,
    }));
  });
  beforeEach(() => recorder.reset());
  after(() => {
    recorder.invokes.delete("aws:index/getPartition:getPartition");
    recorder.invokes.delete("aws:index/getCallerIdentity:getCallerIdentity");
    recorder.outputs.delete("aws:iam/user:User");
  });

  it("may assume exactly the roles of the assumed_role tag, in the other account", async () => {
    const r = readerFor({
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      planPermissionsBoundaryArn: BOUNDARY,
      applyPermissionsBoundaryArn: BOUNDARY,
      workspaces: [ENTRY],
    });
    const side = readVaultSide(r);
    const entries = readOnboardedEntries(r, side);
    r.throwIfInvalid();
    new VaultAwsEngine("eng", vaultAwsEngineArgs(side, entries));
    for (let i = 0; i < 4; i++) await settled();
    const policy = JSON.parse(
      String(plain(recorder.one("aws:iam/userPolicy:UserPolicy", "eng-identity-policy").inputs.policy)),
    ) as { Statement: { Action: string[]; Resource: string[] }[] };
    const assumable = policy.Statement.filter((s) => s.Action.includes("sts:AssumeRole")).flatMap(
      (s) => s.Resource,
    );
    assert.deepEqual(assumable.sort(), [
      `arn:aws:iam::${LOG_ACCOUNT}:role/log-read`,
      `arn:aws:iam::${LOG_ACCOUNT}:role/log-write`,
    ]);
  });
});
