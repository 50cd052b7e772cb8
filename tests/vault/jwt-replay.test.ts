/**
 * Replay of the run's JWT, bounded. Run code reads `TFC_WORKLOAD_IDENTITY_TOKEN` and logs in with
 * it; these tests hold what bounds that, against the Vault double seeded with the JWT roles exactly
 * as TfcJwtTrust registers them (with the agents' egress address from the network):
 * - `token_bound_cidrs`: a login from anywhere but the agents' address is refused, and a token
 *   taken elsewhere is refused on use (docs/upstream-behaviour.md#vault-jwt-auth);
 * - a lease minted with a replayed JWT, which the post hook never learns of, dies at its own TTL
 *   (or with its token, at token_max_ttl): Vault's expiration manager revokes it and AWS rejects
 *   the keys;
 * - after the JWT's `exp` (the end of the phase timeout) no replay logs in at all.
 * TTLs are shortened to seconds here; the double's own expiry timers do the revoking.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { installMocks, plain, recorder, settled } from "../support/pulumi-mocks";
import { AwsDouble } from "../support/aws-double";
import { TokenIssuer, type RunIdentity } from "../support/token-issuer";
import { VaultDouble } from "../support/vault-double";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { TfcJwtTrust } from "../../components/tfc-jwt-trust";
import { tfcJwtTrustArgs, vaultAwsEngineArgs } from "../../components/vault-side-args";
import { seedVaultDouble } from "./seed-vault-double";
import { vaultSide } from "./fixtures";

const ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const AWS_ROLE = "vault:aws/secretBackendRole:SecretBackendRole";
const WS_ID = "ws-NetProd42";
/** The NAT gateway's Elastic IP, as the network hands it to the trust. */
const EGRESS = "198.51.100.7/32";
const AGENT_ADDRESS = "198.51.100.7";
const ELSEWHERE = "203.0.113.50";

interface VaultAnswer {
  lease_id?: string;
  lease_duration?: number;
  data?: { access_key: string; secret_key: string };
  errors?: string[];
  auth?: { client_token: string; lease_duration: number };
}

describe("replay of the run's JWT is bounded (token_bound_cidrs, TTLs)", function () {
  this.timeout(30_000);
  let aws: AwsDouble;
  let vault: VaultDouble;
  let issuer: TokenIssuer;

  const run: RunIdentity = {
    organization: "acme",
    project: "Platform Team",
    workspace: "network-prod",
    workspaceId: WS_ID,
    audience: "vault.workload.identity",
    runId: "run-replay1",
    phase: "plan",
  };

  async function call(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${vault.address}/v1/${path}`, {
      method,
      headers: { ...(token ? { "X-Vault-Token": token } : {}), "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as VaultAnswer };
  }

  const login = (jwt: string) => call("POST", "auth/jwt-tfc/login", undefined, { role: "tfc-plan", jwt });

  async function loginToken(jwt: string): Promise<string> {
    const res = await login(jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.auth!.client_token;
  }

  /** What AWS STS says to these keys: the caller's ARN, or the error code. */
  async function stsSays(keys: { access_key: string; secret_key: string }): Promise<string> {
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: aws.stsEndpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: keys.access_key, secretAccessKey: keys.secret_key },
    });
    try {
      return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? "no arn";
    } catch (err) {
      return (err as { name: string }).name;
    } finally {
      sts.destroy();
    }
  }

  /** Resolves once the double no longer lists the lease (its expiry timer fired). */
  async function leaseGone(leaseId: string): Promise<void> {
    while (vault.liveLeases().some((l) => l.leaseId === leaseId)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Re-seeds the plan JWT role as registered, with test-sized token TTLs. */
  function shortenTokenTtl(seconds: number): void {
    const rec = recorder.one(ROLE, "trust-plan-role");
    const inputs = {
      ...(plain(rec.inputs) as Record<string, unknown>),
      tokenTtl: seconds,
      tokenMaxTtl: seconds,
    };
    seedVaultDouble(vault, [{ ...rec, inputs }], { mountUser: "vault-engine-root" });
  }

  /** Re-adds the plan AWS role as registered, with a test-sized lease TTL. */
  function shortenLeaseTtl(seconds: number): void {
    const inputs = plain(recorder.one(AWS_ROLE, "eng-plan-role").inputs) as Record<string, string>;
    vault.addAwsRole("aws", "tfc-plan", {
      credential_type: "iam_user",
      policy_document: inputs.policyDocument,
      default_ttl: seconds,
    });
  }

  beforeEach(async () => {
    await installMocks();
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws });
    issuer = await TokenIssuer.start();
    recorder.reset();
    const side = vaultSide({ tfcAddress: issuer.issuer, allowInsecureHttp: true });
    const engine = new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
    new TfcJwtTrust("trust", {
      ...tfcJwtTrustArgs(side, engine, pulumi.output(WS_ID)),
      boundCidrs: pulumi.output([EGRESS]),
    });
    for (let i = 0; i < 4; i++) await settled();
    seedVaultDouble(vault, recorder.resources, { mountUser: "vault-engine-root" });
    vault.clientAddress = AGENT_ADDRESS;
  });
  afterEach(async () => {
    await vault.stop();
    await aws.stop();
    await issuer.stop();
  });

  it("both JWT roles carry the agents' egress address as token_bound_cidrs", () => {
    for (const phase of ["plan", "apply"]) {
      const inputs = plain(recorder.one(ROLE, `trust-${phase}-role`).inputs) as Record<string, unknown>;
      assert.deepEqual(inputs.tokenBoundCidrs, [EGRESS], phase);
    }
  });

  it("a login with the run's JWT from outside the agents' address is refused; from it, accepted", async () => {
    const jwt = issuer.issue(run);
    vault.clientAddress = ELSEWHERE;
    const outside = await login(jwt);
    assert.equal(outside.status, 403);
    assert.deepEqual(outside.body.errors, ["permission denied"]);
    assert.deepEqual(vault.liveTokens(), [], "no token was minted");
    vault.clientAddress = AGENT_ADDRESS;
    assert.equal((await login(jwt)).status, 200);
  });

  it("a token taken at the agents' address is refused when used from elsewhere", async () => {
    const token = await loginToken(issuer.issue(run));
    vault.clientAddress = ELSEWHERE;
    const used = await call("GET", "aws/creds/tfc-plan", token);
    assert.equal(used.status, 403);
    assert.deepEqual(used.body.errors, ["1 error occurred:\n\t* permission denied\n\n"]);
    assert.deepEqual(vault.liveLeases(), []);
  });

  it("a lease minted by run code with a replayed JWT, unknown to the post hook, dies at its own TTL and AWS rejects its keys", async () => {
    shortenLeaseTtl(3);
    const jwt = issuer.issue(run);
    // The pre hook's login and lease; the post hook revokes exactly that one.
    const hookToken = await loginToken(jwt);
    const hookLease = (await call("GET", "aws/creds/tfc-plan", hookToken)).body.lease_id!;
    // Run code on the same agent (same address) replays the JWT and mints its own.
    const runToken = await loginToken(jwt);
    const replayed = await call("GET", "aws/creds/tfc-plan", runToken);
    assert.equal(replayed.status, 200);
    assert.equal(replayed.body.lease_duration, 3);
    const keys = replayed.body.data!;
    assert.match(await stsSays(keys), /^arn:aws:iam::/);
    assert.equal(
      (await call("PUT", `sys/leases/revoke/${hookLease}`, hookToken, { sync: true })).status,
      204,
    );
    assert.ok(
      vault.liveLeases().some((l) => l.leaseId === replayed.body.lease_id),
      "the post hook's revocation does not reach the replayed lease",
    );

    await leaseGone(replayed.body.lease_id!);
    assert.ok(vault.liveTokens().length >= 1, "revoked by its own TTL, not with its token");
    assert.equal(await stsSays(keys), "InvalidClientTokenId");
  });

  it("a replayed JWT's token dies at token_max_ttl and takes its leases with it; renewing cannot extend it", async () => {
    shortenTokenTtl(2);
    const runToken = await loginToken(issuer.issue(run));
    const replayed = await call("GET", "aws/creds/tfc-plan", runToken);
    const keys = replayed.body.data!;
    // The phase policy grants renew-self (the keeper uses it), but Vault caps a renewal at the
    // token's max TTL, which the JWT role sets equal to its TTL: the TTL stays the bound.
    const renewed = await call("PUT", "auth/token/renew-self", runToken, { increment: "1h" });
    assert.equal(renewed.status, 200);
    const auth = (renewed.body as { auth?: { lease_duration?: number } }).auth;
    assert.ok(
      (auth?.lease_duration ?? Infinity) <= 2,
      `renewed to ${auth?.lease_duration} s, past the max TTL`,
    );
    await leaseGone(replayed.body.lease_id!);
    assert.equal((await call("GET", "aws/creds/tfc-plan", runToken)).status, 403);
    assert.equal(await stsSays(keys), "InvalidClientTokenId");
  });

  it("after the JWT's exp (the end of the phase timeout) a replay no longer logs in, even from the agent", async () => {
    const expired = issuer.issue(run, { expiresIn: -120 });
    const res = await login(expired);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [
      "error validating token: invalid expiration time (exp) claim: token is expired",
    ]);
  });
});
