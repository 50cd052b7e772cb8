/**
 * The Vault and AWS doubles behave like the documented APIs the hooks and the Vault-side
 * provider rely on (docs/upstream-behaviour.md). Other suites trust these doubles, so their rules are tested here.
 */
import { strict as assert } from "node:assert";
import * as https from "node:https";
import { AwsDouble } from "../support/aws-double";
import { createTestCa, testCa, type TestCa } from "../support/test-ca";
import { TokenIssuer } from "../support/token-issuer";
import { VaultDouble } from "../support/vault-double";

const RUN = {
  organization: "acme",
  project: "Platform Team",
  workspace: "network-prod",
  audience: "vault.workload.identity",
};

function call(
  vault: VaultDouble,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; namespace?: string; ca?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token) headers["X-Vault-Token"] = options.token;
    if (options.namespace) headers["X-Vault-Namespace"] = options.namespace;
    const req = https.request(
      `${vault.address}/v1/${path}`,
      { method, headers, ca: options.ca ?? vault.caCertPem },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(JSON.stringify(options.body));
    req.end();
  });
}

describe("Vault double", () => {
  let ca: TestCa;
  let aws: AwsDouble;
  let issuer: TokenIssuer;
  let vault: VaultDouble;

  before(async () => {
    ca = await testCa();
    issuer = await TokenIssuer.start(ca);
  });
  after(async () => {
    await issuer.stop();
  });
  beforeEach(async () => {
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws, ca });
    vault.configureJwt("jwt", {
      jwks_url: issuer.jwksUrl,
      jwks_ca_pem: ca.certPem,
      bound_issuer: issuer.issuer,
    });
    vault.addJwtRole("jwt", "plan", {
      user_claim: "terraform_full_workspace",
      bound_audiences: [RUN.audience],
      bound_claims_type: "glob",
      bound_claims: { sub: "organization:acme:project:Platform Team:workspace:network-prod:run_phase:plan" },
      token_policies: ["plan"],
    });
    vault.addPolicy(
      "plan",
      `path "aws/creds/plan" { capabilities = ["read"] }
       path "sys/leases/revoke/aws/creds/plan/*" { capabilities = ["update"] }`,
    );
    vault.useAwsRootUser("aws", "vault-root");
    vault.addAwsRole("aws", "plan", { credential_type: "iam_user", default_ttl: 900 });
    vault.addAwsRole("aws", "apply", { credential_type: "iam_user" });
  });
  afterEach(async () => {
    await vault.stop();
    await aws.stop();
  });

  async function login(phase: "plan" | "apply" = "plan"): Promise<string> {
    const jwt = issuer.issue({ ...RUN, phase });
    const res = await call(vault, "POST", "auth/jwt/login", { body: { role: "plan", jwt } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.auth as { client_token: string }).client_token;
  }

  it("serves TLS that only verifies against the test CA", async () => {
    const other = await createTestCa("another CA");
    await assert.rejects(call(vault, "GET", "auth/token/lookup-self", { ca: other.certPem }), /certificate/);
  });

  it("logs in a token signed by the issuer and bound to the plan phase", async () => {
    const token = await login();
    const self = await call(vault, "GET", "auth/token/lookup-self", { token });
    assert.deepEqual((self.body.data as { policies: string[] }).policies, ["plan", "default"]);
  });

  it("refuses an apply-phase token, a forged signature, a wrong issuer and an expired token", async () => {
    const cases: Array<[string, RegExp]> = [
      [issuer.issue({ ...RUN, phase: "apply" }), /claim "sub" does not match/],
      [issuer.issue({ ...RUN, phase: "plan" }, { foreignKey: true }), /failed to verify/],
      [
        issuer.issue({ ...RUN, phase: "plan" }, { claims: { iss: "https://evil.example" } }),
        /invalid issuer/,
      ],
      [
        issuer.issue({ ...RUN, phase: "plan" }, { claims: { exp: Math.floor(Date.now() / 1000) - 211 } }),
        /expired/,
      ],
      [issuer.issue({ ...RUN, phase: "plan", audience: "other" }), /audience/],
    ];
    for (const [jwt, error] of cases) {
      const res = await call(vault, "POST", "auth/jwt/login", { body: { role: "plan", jwt } });
      assert.equal(res.status, 400);
      assert.match(String((res.body.errors as string[])[0]), error);
    }
  });

  it("accepts a token expired by less than the clock-skew leeway (Vault applies no other to exp)", async () => {
    const jwt = issuer.issue(
      { ...RUN, phase: "plan" },
      { claims: { exp: Math.floor(Date.now() / 1000) - 30 } },
    );
    const res = await call(vault, "POST", "auth/jwt/login", { body: { role: "plan", jwt } });
    assert.equal(res.status, 200);
  });

  it("issues iam_user creds backed by a real IAM user, and sync revocation deletes it", async () => {
    const token = await login();
    const creds = await call(vault, "GET", "aws/creds/plan", { token });
    assert.equal(creds.status, 200);
    assert.equal(creds.body.lease_duration, 900);
    assert.deepEqual(aws.dynamicUsers(["vault-root"]).length, 1);
    const leaseId = String(creds.body.lease_id);
    const revoked = await call(vault, "PUT", `sys/leases/revoke/${leaseId}`, { token, body: { sync: true } });
    assert.equal(revoked.status, 204);
    assert.deepEqual(aws.dynamicUsers(["vault-root"]), []);
    const lookup = await call(vault, "PUT", "sys/leases/lookup", { token, body: { lease_id: leaseId } });
    assert.equal(lookup.status, 400);
    assert.deepEqual(lookup.body.errors, ["invalid lease"]);
  });

  it("denies what the policy does not grant: other roles, body-form revoke", async () => {
    const token = await login();
    assert.equal((await call(vault, "GET", "aws/creds/apply", { token })).status, 403);
    const creds = await call(vault, "GET", "aws/creds/plan", { token });
    const bodyForm = await call(vault, "PUT", "sys/leases/revoke", {
      token,
      body: { lease_id: creds.body.lease_id },
    });
    assert.equal(bodyForm.status, 403);
  });

  it("revoke-self revokes the token and, right after, its leases", async () => {
    const token = await login();
    await call(vault, "GET", "aws/creds/plan", { token });
    assert.equal((await call(vault, "POST", "auth/token/revoke-self", { token })).status, 204);
    await vault.settled();
    assert.deepEqual(vault.liveLeases(), []);
    assert.deepEqual(vault.liveTokens(), []);
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token })).status, 403);
  });

  it("async revocation answers 202 and revokes shortly after", async () => {
    const token = await login();
    const creds = await call(vault, "GET", "aws/creds/plan", { token });
    const res = await call(vault, "PUT", `sys/leases/revoke/${String(creds.body.lease_id)}`, {
      token,
      body: { sync: false },
    });
    assert.equal(res.status, 202);
    assert.equal(vault.liveLeases().length, 1);
    await vault.settled();
    assert.equal(vault.liveLeases().length, 0);
  });

  it("keeps namespaces apart: a token from one namespace is refused in another", async () => {
    vault.configureJwt(
      "jwt",
      { jwt_validation_pubkeys: [issuer.publicKeyPem], bound_issuer: issuer.issuer },
      "team-a",
    );
    vault.addJwtRole(
      "jwt",
      "plan",
      { user_claim: "sub", bound_audiences: [RUN.audience], token_policies: [] },
      "team-a",
    );
    const jwt = issuer.issue({ ...RUN, phase: "plan" });
    const res = await call(vault, "POST", "auth/jwt/login", {
      namespace: "team-a",
      body: { role: "plan", jwt },
    });
    assert.equal(res.status, 200);
    const token = (res.body.auth as { client_token: string }).client_token;
    assert.equal(
      (await call(vault, "GET", "auth/token/lookup-self", { token, namespace: "team-a" })).status,
      200,
    );
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token })).status, 403);
  });

  it("rotates the root key: a new key for the same user, the old one deleted", async () => {
    const before = vault.awsRootConfig("aws")!.access_key!;
    const res = await call(vault, "POST", "aws/config/rotate-root", { token: vault.rootToken });
    assert.equal(res.status, 200);
    const after = (res.body.data as { access_key: string }).access_key;
    assert.notEqual(after, before);
    assert.deepEqual(aws.accessKeysOf("vault-root"), [after]);
    const read = await call(vault, "GET", "aws/config/root", { token: vault.rootToken });
    assert.equal((read.body.data as Record<string, unknown>).secret_key, undefined);
  });

  it("rotates a root key written through config/root for a user of the AWS double", async () => {
    aws.createUser("written-root");
    const key = aws.createAccessKey("written-root");
    vault.configureAws("aws2");
    const write = await call(vault, "POST", "aws2/config/root", {
      token: vault.rootToken,
      body: { access_key: key.accessKeyId, secret_key: key.secretAccessKey, region: "us-east-1" },
    });
    assert.equal(write.status, 204);
    const res = await call(vault, "POST", "aws2/config/rotate-root", { token: vault.rootToken });
    assert.equal(res.status, 200);
    assert.deepEqual(aws.accessKeysOf("written-root"), [
      (res.body.data as { access_key: string }).access_key,
    ]);
  });

  it("injects faults on matching paths only, the given number of times", async () => {
    vault.injectFault({ kind: "sealed" }, { path: "auth/token/lookup-self", times: 2 });
    const token = vault.rootToken;
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token })).status, 503);
    assert.equal((await call(vault, "GET", "aws/config/root", { token })).status, 200);
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token })).status, 503);
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token })).status, 200);
    vault.injectFault({ kind: "reset" });
    await assert.rejects(
      call(vault, "GET", "auth/token/lookup-self", { token }),
      /socket hang up|ECONNRESET/,
    );
  });
});
