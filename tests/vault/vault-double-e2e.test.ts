/**
 * End to end against the shared Vault double: the JWT roles, policies and AWS roles exactly as
 * the components register them, HCP Terraform-style tokens from the test issuer, and the calls
 * the hooks make (login, read creds, `PUT sys/leases/revoke/<lease_id>`, lookup, revoke-self).
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorder, settled } from "../support/pulumi-mocks";
import { AwsDouble } from "../support/aws-double";
import { TokenIssuer, type RunIdentity } from "../support/token-issuer";
import { VaultDouble } from "../support/vault-double";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { TfcJwtTrust } from "../../components/tfc-jwt-trust";
import { tfcJwtTrustArgs, vaultAwsEngineArgs } from "../../components/vault-side-args";
import { renderPhasePolicy } from "../../components/vault-policy";
import { seedVaultDouble } from "./seed-vault-double";
import { vaultSide } from "./fixtures";

const WS_ID = "ws-NetProd42";

/** The parts of Vault's answers these tests read. */
interface VaultAnswer {
  lease_id?: string;
  errors?: string[];
  auth?: {
    client_token: string;
    token_type: string;
    metadata: Record<string, string>;
    policies: string[];
    lease_duration: number;
  };
}

/** Vault, AWS and the token issuer, with Vault seeded from the components as they register. */
interface World {
  readonly aws: AwsDouble;
  readonly vault: VaultDouble;
  readonly issuer: TokenIssuer;
}

async function startWorld(overrides: Parameters<typeof vaultSide>[0] = {}): Promise<World> {
  await installMocks();
  const aws = await AwsDouble.start();
  const vault = await VaultDouble.start({ aws });
  const issuer = await TokenIssuer.start();
  recorder.reset();
  const side = vaultSide({ tfcAddress: issuer.issuer, allowInsecureHttp: true, ...overrides });
  const engine = new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
  new TfcJwtTrust("trust", tfcJwtTrustArgs(side, engine, pulumi.output(WS_ID)));
  for (let i = 0; i < 4; i++) await settled();
  seedVaultDouble(vault, recorder.resources, { mountUser: "vault-engine-root" });
  return { aws, vault, issuer };
}

async function stopWorld(world: World): Promise<void> {
  await world.vault.stop();
  await world.aws.stop();
  await world.issuer.stop();
}

describe("Vault side end to end (Vault double, hooks' calls)", function () {
  this.timeout(30_000);
  let aws: AwsDouble;
  let vault: VaultDouble;
  let issuer: TokenIssuer;
  let world: World;

  const run = (phase: "plan" | "apply", change: Partial<RunIdentity> = {}): RunIdentity => ({
    organization: "acme",
    project: "Platform Team",
    workspace: "network-prod",
    workspaceId: WS_ID,
    audience: "vault.workload.identity",
    runId: "run-e2e123",
    phase,
    ...change,
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

  async function login(role: string, identity: RunIdentity) {
    return call("POST", "auth/jwt-tfc/login", undefined, { role, jwt: issuer.issue(identity) });
  }

  async function loginToken(role: string, identity: RunIdentity): Promise<string> {
    const res = await login(role, identity);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.auth!.client_token;
  }

  before(async () => {
    world = await startWorld();
    ({ aws, vault, issuer } = world);
  });
  after(() => stopWorld(world));

  it("a plan token reads plan credentials and revokes its own lease synchronously, as the hooks do", async () => {
    const token = await loginToken("tfc-plan", run("plan"));
    const creds = await call("GET", "aws/creds/tfc-plan", token);
    assert.equal(creds.status, 200);
    const leaseId = creds.body.lease_id!;
    const user = vault.liveLeases().find((l) => l.leaseId === leaseId)!.userName!;
    assert.ok(aws.userNames().includes(user));

    const revoke = await call("PUT", `sys/leases/revoke/${leaseId}`, token, { sync: true });
    assert.equal(revoke.status, 204);
    assert.ok(!aws.userNames().includes(user), "the IAM user is deleted");
    const lookup = await call("PUT", "sys/leases/lookup", token, { lease_id: leaseId });
    assert.equal(lookup.status, 400, "lookup (granted for its own leases) confirms the lease is gone");
    assert.deepEqual(lookup.body.errors, ["invalid lease"]);
    assert.equal((await call("POST", "auth/token/revoke-self", token)).status, 204);
  });

  it("a plan token cannot read apply credentials or the engine's configuration", async () => {
    const token = await loginToken("tfc-plan", run("plan"));
    assert.equal((await call("GET", "aws/creds/tfc-apply", token)).status, 403);
    assert.equal((await call("GET", "aws/config/root", token)).status, 403);
    assert.equal((await call("GET", "aws/roles/tfc-plan", token)).status, 403);
    assert.equal((await call("POST", "aws/config/rotate-root", token)).status, 403);
  });

  it("the body form of revoke is refused: the policy scopes revocation by lease id in the path", async () => {
    const token = await loginToken("tfc-plan", run("plan"));
    const creds = await call("GET", "aws/creds/tfc-plan", token);
    const res = await call("PUT", "sys/leases/revoke", token, { lease_id: creds.body.lease_id, sync: true });
    assert.equal(res.status, 403);
    assert.equal(
      (await call("PUT", `sys/leases/revoke/${creds.body.lease_id!}`, token, { sync: true })).status,
      204,
    );
  });

  it("a plan token cannot revoke another role's lease through the body of its allowed path", async () => {
    const plan = await loginToken("tfc-plan", run("plan"));
    const apply = await loginToken("tfc-apply", run("apply"));
    const own = (await call("GET", "aws/creds/tfc-plan", plan)).body.lease_id!;
    const other = (await call("GET", "aws/creds/tfc-apply", apply)).body.lease_id!;
    const res = await call("PUT", `sys/leases/revoke/${own}`, plan, { lease_id: other, sync: true });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body.errors, ["1 error occurred:\n\t* permission denied\n\n"]);
    const live = vault.liveLeases().map((l) => l.leaseId);
    assert.ok(live.includes(other), "the apply lease is still live");
    assert.ok(live.includes(own), "nothing was revoked");
    // Nor by naming it in the query string: Vault reads a write's data from its body only.
    const query = await call("PUT", `sys/leases/revoke/${own}?lease_id=${encodeURIComponent(other)}`, plan, {
      sync: true,
    });
    assert.equal(query.status, 204);
    assert.ok(
      vault.liveLeases().some((l) => l.leaseId === other),
      "the query lease_id was ignored",
    );
    assert.ok(!vault.liveLeases().some((l) => l.leaseId === own), "the URL's (own) lease was revoked");
  });

  it("what remains: a plan token can revoke the plan lease of another run of the same workspace", async () => {
    const runA = await loginToken("tfc-plan", run("plan", { runId: "run-A1" }));
    const runB = await loginToken("tfc-plan", run("plan", { runId: "run-B2" }));
    const leaseB = (await call("GET", "aws/creds/tfc-plan", runB)).body.lease_id!;
    assert.equal((await call("PUT", `sys/leases/revoke/${leaseB}`, runA, { sync: true })).status, 204);
    assert.ok(!vault.liveLeases().some((l) => l.leaseId === leaseB));
  });

  it("without the lease_id denial, the body names any lease: the double follows Vault's handler", async () => {
    const plan = await loginToken("tfc-plan", run("plan"));
    const apply = await loginToken("tfc-apply", run("apply"));
    const own = (await call("GET", "aws/creds/tfc-plan", plan)).body.lease_id!;
    const other = (await call("GET", "aws/creds/tfc-apply", apply)).body.lease_id!;
    const planPolicy = "aws-tfc-plan-creds";
    vault.addPolicy(
      planPolicy,
      'path "sys/leases/revoke/aws/creds/tfc-plan/*" { capabilities = ["update"] }',
    );
    try {
      const res = await call("PUT", `sys/leases/revoke/${own}`, plan, { lease_id: other, sync: true });
      assert.equal(res.status, 204);
      assert.ok(!vault.liveLeases().some((l) => l.leaseId === other), "the body's lease was revoked");
      assert.ok(
        vault.liveLeases().some((l) => l.leaseId === own),
        "not the URL's",
      );
    } finally {
      vault.addPolicy(planPolicy, renderPhasePolicy("aws", "tfc-plan", "iam_user", "plan"));
    }
  });

  it("an apply token cannot revoke a plan lease", async () => {
    const plan = await loginToken("tfc-plan", run("plan"));
    const apply = await loginToken("tfc-apply", run("apply"));
    const creds = await call("GET", "aws/creds/tfc-plan", plan);
    assert.equal(
      (await call("PUT", `sys/leases/revoke/${creds.body.lease_id!}`, apply, { sync: true })).status,
      403,
    );
    assert.equal(
      (await call("PUT", `sys/leases/revoke/${creds.body.lease_id!}`, plan, { sync: true })).status,
      204,
    );
  });

  it("refuses a plan token at the apply role, and tokens of another workspace id or audience", async () => {
    const wrongPhase = await login("tfc-apply", run("plan"));
    assert.equal(wrongPhase.status, 400);
    assert.match(String(wrongPhase.body.errors), /claim "sub" does not match/);
    assert.equal((await login("tfc-plan", run("plan", { workspaceId: "ws-Other1" }))).status, 400);
    assert.equal((await login("tfc-plan", run("plan", { audience: "other" }))).status, 400);
    assert.equal((await login("tfc-plan", run("plan", { project: "Default Project" }))).status, 400);
  });

  it("issues revocable service tokens whose metadata ties them to the run", async () => {
    const res = await login("tfc-apply", run("apply"));
    assert.equal(res.body.auth!.token_type, "service");
    assert.deepEqual(res.body.auth!.metadata, {
      role: "tfc-apply",
      run_id: "run-e2e123",
      run_phase: "apply",
      workspace_id: WS_ID,
    });
    assert.deepEqual(res.body.auth!.policies, ["aws-tfc-apply-creds"], "no default policy");
    assert.equal(res.body.auth!.lease_duration, 3600);
  });
});

describe("Vault side end to end, STS-type phase (assumed_role apply)", function () {
  this.timeout(30_000);
  const ROLE_ARN = "arn:aws:iam::123456789012:role/deployer";
  let vault: VaultDouble;
  let issuer: TokenIssuer;
  let world: World;
  before(async () => {
    world = await startWorld({
      applyCredentialType: "assumed_role",
      applyRoleArns: [ROLE_ARN],
      applyStsTtlSeconds: 900,
    });
    ({ vault, issuer } = world);
  });
  after(() => stopWorld(world));

  it("reads STS credentials from sts/ (as the hooks do) and may revoke that lease, not the plan role's", async () => {
    const jwt = issuer.issue({
      organization: "acme",
      project: "Platform Team",
      workspace: "network-prod",
      workspaceId: WS_ID,
      audience: "vault.workload.identity",
      phase: "apply",
    });
    const login = await fetch(`${vault.address}/v1/auth/jwt-tfc/login`, {
      method: "POST",
      body: JSON.stringify({ role: "tfc-apply", jwt }),
    });
    const token = ((await login.json()) as VaultAnswer).auth!.client_token;
    const headers = { "X-Vault-Token": token };
    const creds = await fetch(
      `${vault.address}/v1/aws/sts/tfc-apply?role_arn=${encodeURIComponent(ROLE_ARN)}`,
      { headers },
    );
    assert.equal(creds.status, 200);
    const answer = (await creds.json()) as VaultAnswer & { lease_duration: number };
    assert.equal(answer.lease_duration, 900);
    assert.match(answer.lease_id!, /^aws\/sts\/tfc-apply\//);
    const revoke = (path: string) =>
      fetch(`${vault.address}/v1/sys/leases/revoke/${path}`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ sync: true }),
      });
    assert.equal((await revoke(answer.lease_id!)).status, 204);
    assert.equal((await revoke("aws/sts/tfc-plan/AbCdEf")).status, 403);
    assert.equal((await fetch(`${vault.address}/v1/aws/creds/tfc-plan`, { headers })).status, 403);
  });
});
