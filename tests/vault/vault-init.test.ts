/**
 * VaultInit driven through Pulumi's real dynamic-provider host against a Vault double that starts
 * as a fresh, uninitialized auto-unseal node over TLS from a test CA: it initializes the node,
 * hands back an orphan periodic token with exactly the shipped policy, enables the audit device,
 * revokes the root token, keeps secrets out of logs, refuses a node initialized by someone else,
 * and refreshes without a diff.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { AwsDouble } from "../support/aws-double";
import {
  DynamicProviderHost,
  serializeProvider,
  withoutTfeVariables,
} from "../support/dynamic-provider-host";
import { testCa } from "../support/test-ca";
import { VaultDouble } from "../support/vault-double";
import { vaultInitProvider } from "../../providers/vault/vault-init";

const POLICY = readFileSync(path.resolve(__dirname, "../../permissions/pulumi-vault-policy.hcl"), "utf8");

async function fetchJson(
  vault: VaultDouble,
  method: string,
  apiPath: string,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${vault.address}/v1/${apiPath}`,
      { method, ca: vault.caCertPem, headers: token ? { "X-Vault-Token": token } : {} },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("VaultInit dynamic provider (through the provider host)", function () {
  this.timeout(60_000);
  let provider: string;
  let aws: AwsDouble;
  let vault: VaultDouble;
  let host: DynamicProviderHost;

  const inputs = (extra: Record<string, unknown> = {}) => ({
    __provider: provider,
    address: vault.address,
    caCertPem: vault.caCertPem!,
    policyName: "tfc-jit-aws-pulumi",
    policyHcl: POLICY,
    auditPath: "file",
    auditFilePath: "/vault/audit/audit.log",
    recoveryShares: 3,
    recoveryThreshold: 2,
    tokenPeriod: "768h",
    waitSeconds: 5,
    pollIntervalMs: 20,
    ...extra,
  });

  before(async () => {
    provider = (await serializeProvider(vaultInitProvider)).text;
  });
  beforeEach(async () => {
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws, ca: await testCa(), uninitialized: true });
    host = await DynamicProviderHost.start({ env: withoutTfeVariables(process.env) });
  });
  afterEach(async () => {
    await host.stop();
    await vault.stop();
    await aws.stop();
  });

  it("initializes the node, hands back a scoped orphan token and revokes the root token", async () => {
    const checked = await host.check({}, inputs());
    assert.deepEqual(checked.failures, []);
    const created = await host.create(checked.inputs);
    assert.equal(vault.sys.initialized, true);
    assert.equal(vault.sys.recoveryKeys.length, 3);

    const calls = vault.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(calls, [
      "GET sys/init 200",
      "PUT sys/init 200",
      "GET sys/seal-status 200",
      "PUT sys/policies/acl/tfc-jit-aws-pulumi 204",
      "PUT sys/audit/file 204",
      "POST auth/token/create 200",
      "POST auth/token/revoke-self 204",
    ]);
    assert.ok(
      !vault.liveTokens({ includeRoot: true }).some((t) => t.policies.includes("root")),
      "no root token is left",
    );
    assert.deepEqual(vault.sys.audit.get("file")?.options, { file_path: "/vault/audit/audit.log" });

    const token = created.props.token as string;
    assert.deepEqual(created.props.recoveryKeys, vault.sys.recoveryKeys);
    const self = await fetchJson(vault, "GET", "auth/token/lookup-self", token);
    assert.equal(self.status, 200);
    assert.deepEqual((self.body.data as { policies: string[] }).policies, ["tfc-jit-aws-pulumi"]);
    // The shipped policy lets it write the phase policies, and nothing of sys/ beyond what it needs.
    assert.equal((await fetchJson(vault, "PUT", "sys/policies/acl/aws-tfc-plan-creds", token)).status, 204);
    assert.equal((await fetchJson(vault, "PUT", "sys/policies/acl/tfc-jit-aws-pulumi", token)).status, 403);
    assert.equal((await fetchJson(vault, "GET", "sys/audit", token)).status, 403);

    for (const secret of [token, ...vault.sys.recoveryKeys]) {
      assert.ok(!host.stderr.includes(secret), "no secret in the provider host's output");
    }
  });

  it("refuses a node that someone else already initialized, before calling sys/init", async () => {
    const https = await import("node:https");
    await new Promise<void>((resolve, reject) => {
      const req = https.request(
        `${vault.address}/v1/sys/init`,
        { method: "PUT", ca: vault.caCertPem, headers: { "Content-Type": "application/json" } },
        (res) => res.resume().on("end", () => resolve()),
      );
      req.on("error", reject);
      req.end(JSON.stringify({ recovery_shares: 1, recovery_threshold: 1 }));
    });
    assert.equal(vault.sys.initialized, true);
    vault.requests.length = 0;
    const checked = await host.check({}, inputs());
    await assert.rejects(host.create(checked.inputs), /already initialized.*never takes one over/);
    assert.deepEqual(
      vault.requests.map((r) => `${r.method} ${r.path}`),
      ["GET sys/init"],
    );
  });

  it("waits while the node does not answer yet", async () => {
    vault.injectFault({ kind: "reset" }, { path: "sys/init", times: 3 });
    const created = await host.create((await host.check({}, inputs())).inputs);
    assert.equal(typeof created.props.token, "string");
    assert.equal(vault.requests.filter((r) => r.path === "sys/init" && r.method === "GET").length, 4);
  });

  it("revokes the root token when a step after init fails, and says the keys are lost", async () => {
    vault.injectFault(
      { kind: "status", status: 400, errors: ["path already in use"] },
      { path: "sys/audit/" },
    );
    await assert.rejects(
      host.create((await host.check({}, inputs())).inputs),
      /was initialized, but setting it up failed \(Vault PUT \/v1\/sys\/audit\/file answered 400: path already in use\)/,
    );
    assert.ok(!vault.liveTokens({ includeRoot: true }).some((t) => t.policies.includes("root")));
  });

  it("refresh renews the token and shows no diff; a changed policy is a change, a new node a replacement", async () => {
    const checked = await host.check({}, inputs());
    const created = await host.create(checked.inputs);
    vault.requests.length = 0;
    const read = await host.read(created.id, created.props);
    assert.deepEqual(read.props, created.props);
    assert.deepEqual(
      vault.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      ["GET sys/init 200", "POST auth/token/renew-self 200"],
    );
    const same = await host.diff(created.id, created.props, checked.inputs);
    assert.equal(same.changes, "none");
    const policy = await host.diff(created.id, created.props, {
      ...checked.inputs,
      policyHcl: `${POLICY}\n# x`,
    });
    assert.equal(policy.changes, "some");
    assert.deepEqual(policy.replaces, []);
    const moved = await host.diff(created.id, created.props, {
      ...checked.inputs,
      address: "https://10.0.0.9:8200",
    });
    assert.deepEqual(moved.replaces, ["address"]);
  });

  it("refresh reports the initialization gone when the node is no longer initialized (a fresh volume)", async () => {
    const created = await host.create((await host.check({}, inputs())).inputs);
    vault.sys.initialized = false;
    vault.sys.sealed = true;
    const read = await host.read(created.id, created.props);
    assert.equal(read.id, "");
  });

  it("check accepts a first preview's unknown address and CA (the node does not exist yet)", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const checked = await host.check({}, inputs({ address: unknown, caCertPem: unknown }));
    assert.deepEqual(checked.failures, []);
  });

  it("check refuses a plain-http address and a threshold above the shares", async () => {
    const checked = await host.check({}, inputs({ address: "http://127.0.0.1:8200", recoveryThreshold: 5 }));
    assert.deepEqual(checked.failures.map((f) => f.property).sort(), ["address", "recoveryThreshold"]);
  });
});
