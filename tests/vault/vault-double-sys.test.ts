/**
 * The Vault double's system endpoints against Vault's handlers (docs/upstream-behaviour.md,
 * "Vault system endpoints"): a fresh auto-unseal node is uninitialized and sealed, `sys/init`
 * takes recovery shares only and answers once, token creation keeps a child inside its parent's
 * policies, and revoking a parent revokes its children but not orphans.
 */
import { strict as assert } from "node:assert";
import { AwsDouble } from "../support/aws-double";
import { VaultDouble } from "../support/vault-double";

async function call(
  vault: VaultDouble,
  method: string,
  apiPath: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${vault.address}/v1/${apiPath}`, {
    method,
    headers: options.token ? { "X-Vault-Token": options.token } : {},
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("Vault double: system endpoints", () => {
  let aws: AwsDouble;
  let vault: VaultDouble;

  beforeEach(async () => {
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws, uninitialized: true });
  });
  afterEach(async () => {
    await vault.stop();
    await aws.stop();
  });

  async function init(): Promise<string> {
    const res = await call(vault, "PUT", "sys/init", { body: { recovery_shares: 1, recovery_threshold: 1 } });
    assert.equal(res.status, 200);
    return res.body.root_token as string;
  }

  it("a fresh node: sys/health 501, sys/init false, everything else 503 sealed, the seeded root token useless", async () => {
    assert.equal((await call(vault, "GET", "sys/health")).status, 501);
    assert.deepEqual((await call(vault, "GET", "sys/init")).body, { initialized: false });
    const seal = await call(vault, "GET", "sys/seal-status");
    assert.equal(seal.body.sealed, true);
    assert.equal(seal.body.recovery_seal, true);
    const denied = await call(vault, "GET", "auth/token/lookup-self", { token: vault.rootToken });
    assert.deepEqual(denied, { status: 503, body: { errors: ["Vault is sealed"] } });
  });

  it("sys/init validates the recovery configuration with Vault's texts", async () => {
    for (const [shares, threshold, error] of [
      [0, 0, "recovery configuration must specify a positive number of shares"],
      [3, 1, "invalid recovery configuration: threshold must be greater than one for multiple shares"],
      [2, 3, "invalid recovery configuration: threshold cannot be larger than shares"],
    ] as const) {
      const res = await call(vault, "PUT", "sys/init", {
        body: { recovery_shares: shares, recovery_threshold: threshold },
      });
      assert.deepEqual(res, { status: 400, body: { errors: [error] } });
    }
    assert.equal(vault.sys.initialized, false);
  });

  it("sys/init takes recovery shares only, answers the keys and a root token once, then the node is active", async () => {
    const barrier = await call(vault, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.deepEqual(barrier.body, { errors: ["parameters not specific to auto unseal seals present"] });
    const res = await call(vault, "PUT", "sys/init", { body: { recovery_shares: 2, recovery_threshold: 2 } });
    assert.deepEqual(Object.keys(res.body).sort(), [
      "keys",
      "keys_base64",
      "recovery_keys",
      "recovery_keys_base64",
      "root_token",
    ]);
    assert.equal((res.body.recovery_keys_base64 as string[]).length, 2);
    assert.equal((await call(vault, "GET", "sys/health")).status, 200);
    assert.equal((await call(vault, "GET", "sys/seal-status")).body.sealed, false);
    const again = await call(vault, "PUT", "sys/init", {
      body: { recovery_shares: 1, recovery_threshold: 1 },
    });
    assert.deepEqual(again, { status: 400, body: { errors: ["Vault is already initialized"] } });
  });

  it("a child token stays inside its parent's policies; orphans and periods need root", async () => {
    const root = await init();
    vault.addPolicy("ops", 'path "auth/token/create" {\n  capabilities = ["update"]\n}\n');
    const made = await call(vault, "POST", "auth/token/create", {
      token: root,
      body: { policies: ["ops"], no_default_policy: true },
    });
    const ops = (made.body.auth as { client_token: string; policies: string[] }).client_token;
    assert.deepEqual((made.body.auth as { policies: string[] }).policies, ["ops"]);
    for (const [body, error] of [
      [{ policies: ["admin"] }, "child policies must be subset of parent"],
      [{ policies: ["ops"], no_parent: true }, "root or sudo privileges required to create orphan token"],
      [{ policies: ["ops"], period: "1h" }, "root or sudo privileges required to create periodic token"],
    ] as const) {
      const res = await call(vault, "POST", "auth/token/create", { token: ops, body });
      assert.deepEqual(res, { status: 400, body: { errors: [error] } });
    }
  });

  it("revoking a token revokes its children, not its orphans", async () => {
    const root = await init();
    const create = async (body: Record<string, unknown>) =>
      (
        (await call(vault, "POST", "auth/token/create", { token: root, body })).body.auth as {
          client_token: string;
        }
      ).client_token;
    const child = await create({ policies: ["default"] });
    const orphan = await create({ policies: ["default"], no_parent: true });
    assert.equal((await call(vault, "POST", "auth/token/revoke-self", { token: root })).status, 204);
    await vault.settled();
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token: child })).status, 403);
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token: orphan })).status, 200);
    assert.equal((await call(vault, "GET", "auth/token/lookup-self", { token: root })).status, 403);
  });

  it("sys/audit needs sudo; a file device needs file_path; a path is used once", async () => {
    const root = await init();
    const plain = vault.createToken([]);
    const body = { type: "file", options: { file_path: "/vault/audit/audit.log" } };
    assert.equal((await call(vault, "PUT", "sys/audit/file", { token: plain, body })).status, 403);
    assert.deepEqual(await call(vault, "PUT", "sys/audit/file", { token: root, body: { type: "file" } }), {
      status: 400,
      body: { errors: ["file_path is required"] },
    });
    assert.equal((await call(vault, "PUT", "sys/audit/file", { token: root, body })).status, 204);
    assert.equal((await call(vault, "PUT", "sys/audit/file", { token: root, body })).status, 400);
    const list = await call(vault, "GET", "sys/audit", { token: root });
    assert.equal((list.body.data as Record<string, { type: string }>)["file/"].type, "file");
  });
});
