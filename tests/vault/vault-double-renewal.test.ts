/**
 * The Vault double's lifetimes, following Vault: leases and tokens that really expire, renewals
 * (`sys/leases/renew`, `auth/token/renew-self`) capped at the max TTL from issue time, and
 * `token_bound_cidrs` checked against a source address the test sets. See
 * docs/upstream-behaviour.md#vault-tokens-and-leases.
 */
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { AwsDouble } from "../support/aws-double";
import { TokenIssuer } from "../support/token-issuer";
import { type JwtRole, VaultDouble } from "../support/vault-double";

const RUN = {
  organization: "acme",
  project: "P",
  workspace: "w",
  audience: "vault.workload.identity",
  phase: "plan" as const,
};
const POLICY = [
  'path "aws/creds/plan" { capabilities = ["read"] }',
  'path "aws/sts/plan" { capabilities = ["read"] }',
  'path "sys/leases/renew" { capabilities = ["update"] }',
  'path "sys/leases/renew/*" { capabilities = ["update"] }',
  'path "auth/token/renew-self" { capabilities = ["update"] }',
].join("\n");

describe("Vault double: lifetimes, renewals and bound CIDRs", function () {
  this.timeout(30_000);
  let aws: AwsDouble;
  let vault: VaultDouble;
  let issuer: TokenIssuer;

  const role = (extra: Partial<JwtRole> = {}): JwtRole => ({
    role_type: "jwt",
    user_claim: "terraform_full_workspace",
    bound_audiences: [RUN.audience],
    token_policies: ["plan"],
    token_no_default_policy: true,
    token_ttl: 60,
    token_max_ttl: 120,
    ...extra,
  });

  async function call(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${vault.address}/v1/${path}`, {
      method,
      headers: token ? { "X-Vault-Token": token } : {},
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  async function login(roleName = "plan"): Promise<string> {
    const res = await call("POST", "auth/jwt/login", undefined, { role: roleName, jwt: issuer.issue(RUN) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.auth as { client_token: string }).client_token;
  }

  beforeEach(async () => {
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws });
    issuer = await TokenIssuer.start();
    vault.configureJwt("jwt", { oidc_discovery_url: issuer.issuer, bound_issuer: issuer.issuer });
    vault.addJwtRole("jwt", "plan", role());
    vault.addPolicy("plan", POLICY);
    vault.configureAws("aws");
    vault.addAwsRole("aws", "plan", { credential_type: "iam_user", default_ttl: 60, max_ttl: 90 });
  });
  afterEach(async () => {
    await vault.stop();
    await aws.stop();
    await issuer.stop();
  });

  it("a lease whose TTL passes is revoked: its IAM user is deleted", async () => {
    vault.addAwsRole("aws", "plan", { credential_type: "iam_user", default_ttl: 1 });
    const token = await login();
    const creds = await call("GET", "aws/creds/plan", token);
    const user = vault.liveLeases()[0].userName!;
    assert.equal(creds.body.lease_duration, 1);
    await sleep(1_100);
    // Revoked by the double's own expiry, before anyone asks the double anything.
    assert.ok(!aws.userNames().includes(user));
    assert.deepEqual(vault.liveLeases(), []);
  });

  it("renews a lease by the increment, capped at its max TTL from issue; body lease_id first", async () => {
    const token = await login();
    const leaseId = (await call("GET", "aws/creds/plan", token)).body.lease_id as string;
    const renewed = await call("PUT", "sys/leases/renew", token, { lease_id: leaseId, increment: "75s" });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.lease_id, leaseId);
    assert.equal(renewed.body.renewable, true);
    assert.equal(renewed.body.lease_duration, 75);
    const capped = await call("PUT", `sys/leases/renew/${leaseId}`, token, { increment: 3600 });
    assert.equal(capped.status, 200, JSON.stringify(capped.body));
    assert.ok((capped.body.lease_duration as number) <= 90 && (capped.body.lease_duration as number) >= 89);
    // The URL names a live lease, the body an unknown one: Vault takes the body's.
    const other = await call("PUT", `sys/leases/renew/${leaseId}`, token, {
      lease_id: "aws/creds/plan/gone",
    });
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.errors, ["lease not found"]);
  });

  it("STS leases are not renewable", async () => {
    vault.addAwsRole("aws", "plan", { credential_type: "federation_token", default_sts_ttl: 900 });
    const token = await login();
    const leaseId = (await call("GET", "aws/sts/plan", token)).body.lease_id as string;
    const res = await call("PUT", "sys/leases/renew", token, { lease_id: leaseId });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, ["lease is not renewable"]);
  });

  it("a session_token role without STS TTLs gives 3600 s; the request's ttl shortens it", async () => {
    vault.addAwsRole("aws", "plan", { credential_type: "session_token" });
    const token = await login();
    assert.equal((await call("GET", "aws/sts/plan", token)).body.lease_duration, 3600);
    assert.equal((await call("GET", "aws/sts/plan?ttl=15m", token)).body.lease_duration, 900);
  });

  it("serves iam_user credentials on sts/ too, as Vault does (the policy decides)", async () => {
    const token = await login();
    const res = await call("GET", "aws/sts/plan", token);
    assert.equal(res.status, 200);
    assert.match(res.body.lease_id as string, /^aws\/sts\/plan\//);
    assert.equal(res.body.renewable, true);
  });

  it("renew-self extends the token by its TTL, never past token_max_ttl", async () => {
    const token = await login();
    const once = await call("PUT", "auth/token/renew-self", token, { increment: "100s" });
    assert.equal(once.status, 200);
    const auth = once.body.auth as { lease_duration: number; renewable: boolean };
    assert.equal(auth.renewable, true);
    assert.ok(auth.lease_duration <= 100 && auth.lease_duration >= 99);
    const again = await call("PUT", "auth/token/renew-self", token, { increment: "1h" });
    assert.ok((again.body.auth as { lease_duration: number }).lease_duration <= 120);
  });

  it("a token whose TTL passes stops working and takes its leases with it", async () => {
    vault.addJwtRole("jwt", "plan", role({ token_ttl: 1, token_max_ttl: 1 }));
    const token = await login();
    await call("GET", "aws/creds/plan", token);
    assert.equal(vault.liveLeases().length, 1);
    await sleep(1_100);
    assert.equal((await call("GET", "aws/creds/plan", token)).status, 403);
    assert.deepEqual(vault.liveLeases(), []);
  });

  it("token_bound_cidrs: a login from outside is refused, and the token works only from inside", async () => {
    vault.addJwtRole("jwt", "plan", role({ token_bound_cidrs: ["10.42.0.0/16"] }));
    vault.clientAddress = "203.0.113.7";
    const outside = await call("POST", "auth/jwt/login", undefined, { role: "plan", jwt: issuer.issue(RUN) });
    assert.equal(outside.status, 403);
    assert.deepEqual(outside.body.errors, ["permission denied"]);
    vault.clientAddress = "10.42.3.4";
    const token = await login();
    assert.equal((await call("GET", "aws/creds/plan", token)).status, 200);
    vault.clientAddress = "10.43.0.1";
    const replayed = await call("GET", "aws/creds/plan", token);
    assert.equal(replayed.status, 403);
    assert.deepEqual(replayed.body.errors, ["1 error occurred:\n\t* permission denied\n\n"]);
  });
});
