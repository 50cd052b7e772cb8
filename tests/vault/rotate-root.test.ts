/**
 * RotateRoot driven through Pulumi's real dynamic-provider host (serialized provider, gRPC), as
 * `pulumi up` runs it, against the shared Vault double (whose AWS engine really replaces the root
 * user's key in the AWS double) with a least-privilege token: it writes config/root once with the
 * supplied key and the username template, rotates it, and refuses any later change that would
 * write config/root again with the deleted key (or, in Vault <= 1.18, clear it).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AwsDouble } from "../support/aws-double";
import {
  DynamicProviderHost,
  serializeProvider,
  withoutTfeVariables,
} from "../support/dynamic-provider-host";
import { testCa } from "../support/test-ca";
import { VaultDouble } from "../support/vault-double";
import { rotateRootProvider } from "../../providers/vault/rotate-root";
import { IAM_USERNAME_TEMPLATE } from "../../components/vault-aws-engine";

const ROOT_USER = "vault-engine-root";
const TOKEN = "hvs.never-captured-token";
const ROTATOR = ["+/config/root", "+/+/config/root", "+/config/rotate-root", "+/+/config/rotate-root"]
  .map((p) => `path "${p}" {\n  capabilities = ["update"]\n}\n`)
  .join("");

/** An AWS double, a Vault double with an AWS engine at `mount`, and a token that may only rotate. */
async function startVault(
  options: { tls?: boolean; mount?: string; namespace?: string; configRootMerges?: boolean } = {},
) {
  const mount = options.mount ?? "aws";
  const aws = await AwsDouble.start();
  const vault = await VaultDouble.start({
    aws,
    ...(options.tls ? { ca: await testCa() } : {}),
    ...(options.configRootMerges ? { configRootMerges: true } : {}),
  });
  const { access_key: oldKey } = vault.useAwsRootUser(mount, ROOT_USER, options.namespace);
  const oldSecret = vault.awsRootConfig(mount, options.namespace)!.secret_key!;
  vault.addPolicy("rotator", ROTATOR, options.namespace);
  const token = vault.createToken(["rotator"], options.namespace ? { namespace: options.namespace } : {});
  return {
    aws,
    vault,
    token,
    oldKey,
    /** The inputs the engine gives RotateRoot: the supplied key and the settings. */
    inputs: (extra: Record<string, unknown> = {}) => ({
      __provider: "",
      mountPath: mount,
      accessKey: oldKey,
      secretKey: oldSecret,
      region: "us-east-1",
      ...extra,
    }),
    rootKey: () => vault.awsRootConfig(mount, options.namespace),
    /** Reads iam_user credentials of a `tfc-plan` role on the mount; returns the IAM user's name. */
    issueUser: async (): Promise<string> => {
      vault.addAwsRole(mount, "tfc-plan", { credential_type: "iam_user" }, options.namespace);
      vault.addPolicy("reader", `path "${mount}/creds/tfc-plan" {\n  capabilities = ["read"]\n}\n`);
      const reader = vault.createToken(["reader"]);
      const res = await fetch(`${vault.address}/v1/${mount}/creds/tfc-plan`, {
        headers: { "X-Vault-Token": reader },
      });
      const body = (await res.json()) as { lease_id?: string; errors?: string[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      return vault.liveLeases().find((l) => l.leaseId === body.lease_id)!.userName!;
    },
    stop: async () => {
      await vault.stop();
      await aws.stop();
    },
  };
}

const cleanEnv = () => {
  const env = withoutTfeVariables(process.env);
  for (const k of ["VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_SKIP_VERIFY"])
    delete env[k];
  return env;
};

describe("RotateRoot dynamic provider (through the provider host)", function () {
  this.timeout(60_000);
  let provider: string;

  before(async () => {
    provider = (await serializeProvider(rotateRootProvider)).text;
  });

  it("serializes without any credential in it", async () => {
    process.env.VAULT_TOKEN = TOKEN;
    try {
      const serialized = await serializeProvider(rotateRootProvider);
      assert.equal(serialized.containsSecrets, false);
      assert.doesNotMatch(serialized.text, new RegExp(TOKEN));
    } finally {
      delete process.env.VAULT_TOKEN;
    }
  });

  it("writes config/root once with the supplied key and settings (username template included), rotates it, and keeps no secret", async () => {
    const env = await startVault({ mount: "team-aws", namespace: "team" });
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({
        "vault:address": env.vault.address,
        "vault:token": env.token,
        "vault:namespace": "team",
      });
      const checked = await host.check(
        {},
        {
          ...env.inputs({
            region: "eu-west-1",
            stsEndpoint: "https://sts.eu-west-1.amazonaws.com",
            usernameTemplate: IAM_USERNAME_TEMPLATE,
          }),
          __provider: provider,
        },
      );
      assert.deepEqual(checked.failures, []);
      const created = await host.create(checked.inputs);
      const calls = env.vault.requests.map((r) => [r.method, r.path, r.namespace, r.status]);
      assert.deepEqual(calls, [
        ["POST", "team-aws/config/root", "team", 204],
        ["POST", "team-aws/config/rotate-root", "team", 200],
      ]);
      assert.equal(env.rootKey()!.region, "eu-west-1");
      assert.equal(env.rootKey()!.sts_endpoint, "https://sts.eu-west-1.amazonaws.com");
      assert.equal(env.vault.requests[0].body.username_template, IAM_USERNAME_TEMPLATE);
      assert.equal(env.rootKey()!.username_template, IAM_USERNAME_TEMPLATE, "kept through the rotation");
      const newKey = env.rootKey()!.access_key!;
      assert.notEqual(newKey, env.oldKey);
      assert.deepEqual(
        env.aws.accessKeysOf(ROOT_USER),
        [newKey],
        "the old key is gone; only Vault knows the new one",
      );
      assert.equal(created.id, "team-aws/config/root");
      assert.deepEqual(Object.keys(created.props).sort(), [
        "__provider",
        "mountPath",
        "region",
        "rotatedAt",
        "stsEndpoint",
        "suppliedAccessKeyId",
        "usernameTemplate",
      ]);
      const state = JSON.stringify(created.props);
      for (const secret of [newKey, env.rootKey()!.secret_key!, env.inputs().secretKey, env.token]) {
        assert.ok(
          !state.includes(secret) && !host.stderr.includes(secret),
          "no secret key, new key id or token in state or logs",
        );
      }
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("after rotation, a region or endpoint change under the same key is refused before any Vault call", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      const olds = { ...env.inputs(), __provider: provider };
      await host.create(olds);
      const rotated = env.rootKey()!;
      env.vault.requests.length = 0;
      for (const change of [
        { region: "eu-west-1" },
        { iamEndpoint: "https://iam.example" },
        { stsEndpoint: "https://sts.example" },
      ]) {
        const checked = await host.check(olds, { ...olds, ...change });
        const property = Object.keys(change)[0];
        assert.deepEqual(
          checked.failures.map((f) => f.property),
          [property],
        );
        assert.match(
          checked.failures[0].reason,
          /cannot change after the root key was rotated.*fresh access key/,
        );
      }
      assert.equal(env.vault.requests.length, 0, "nothing was written to Vault");
      assert.deepEqual(env.rootKey(), rotated, "the rotated key is still configured");
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("after rotation, iam_user names follow the template it wrote (role first), with the rotated key", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      await host.create({ ...env.inputs({ usernameTemplate: IAM_USERNAME_TEMPLATE }), __provider: provider });
      assert.notEqual(env.rootKey()!.access_key, env.oldKey);
      // A token made by `vault token create` has the display name "token".
      assert.match(await env.issueUser(), /^vault-tfc-plan-token-\d{10}-[0-9A-Za-z]{6}$/);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("a state rotated without a template: adding it under the same key is refused before any Vault call, naming the fresh-key migration", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      // What a stack rotated before RotateRoot wrote the template has in its state.
      const olds = { ...env.inputs(), __provider: provider };
      const created = await host.create(olds);
      assert.equal(created.props.usernameTemplate, undefined);
      const rotated = { ...env.rootKey()! };
      env.vault.requests.length = 0;
      const checked = await host.check(olds, { ...olds, usernameTemplate: IAM_USERNAME_TEMPLATE });
      assert.deepEqual(
        checked.failures.map((f) => f.property),
        ["usernameTemplate"],
      );
      assert.match(
        checked.failures[0].reason,
        /already rotated.*up to Vault 1\.18 a write without it clears it.*fresh access key.*aws iam create-access-key.*awsRootAccessKey.*delete the user's other, older key/,
      );
      assert.equal(env.vault.requests.length, 0, "nothing was written to Vault");
      assert.deepEqual(env.rootKey(), rotated, "the rotated key is still configured");
      assert.match(
        await env.issueUser(),
        /^vault-token-tfc-plan-\d{10}-[0-9A-Za-z]{20}$/,
        "and still issues (Vault's default names)",
      );
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  for (const merges of [false, true]) {
    it(`why: a config/root write without the key ${merges ? "keeps it from Vault 1.19" : "clears it up to Vault 1.18"}, and resets an unsent template in both`, async () => {
      const env = await startVault({ configRootMerges: merges });
      try {
        const write = async (body: Record<string, unknown>) => {
          const res = await fetch(`${env.vault.address}/v1/aws/config/root`, {
            method: "POST",
            headers: { "X-Vault-Token": env.vault.rootToken, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          });
          assert.equal(res.status, 204);
        };
        await write({ username_template: IAM_USERNAME_TEMPLATE });
        assert.equal(env.rootKey()!.username_template, IAM_USERNAME_TEMPLATE);
        assert.equal(env.rootKey()!.access_key, merges ? env.oldKey : undefined);
        assert.equal(env.rootKey()!.region, merges ? "us-east-1" : undefined);
        await write({ region: "eu-west-1" });
        assert.equal(env.rootKey()!.region, "eu-west-1");
        assert.equal(env.rootKey()!.username_template, undefined, "Vault's default again (vault#29851)");
      } finally {
        await env.stop();
      }
    });
  }

  it("migration with a fresh key: config/root takes the key and template first, rotation waits for the older key's deletion, the engine works throughout", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      const olds = { ...env.inputs(), __provider: provider };
      const first = await host.create(olds);
      const vaultsKey = env.rootKey()!.access_key!;
      // The operator makes a second key for the engine's user and gives it to the stack.
      const fresh = env.aws.createAccessKey(ROOT_USER);
      const news = {
        ...env.inputs({
          accessKey: fresh.accessKeyId,
          secretKey: fresh.secretAccessKey,
          usernameTemplate: IAM_USERNAME_TEMPLATE,
        }),
        __provider: provider,
      };
      const checked = await host.check(olds, news);
      assert.deepEqual(checked.failures, []);
      const diff = await host.diff(first.id, first.props, checked.inputs);
      assert.deepEqual([...diff.replaces].sort(), ["accessKey", "usernameTemplate"]);

      // First pulumi up: the write lands, the rotation is refused while the user has two keys.
      await assert.rejects(host.create(checked.inputs), (e: Error) => {
        assert.match(e.message, /config\/rotate-root answered 400: .*must have exactly one access key/);
        assert.match(e.message, /now holds the supplied key.*delete the older one.*run pulumi up again/);
        assert.ok(!e.message.includes(fresh.secretAccessKey) && !e.message.includes(env.token));
        return true;
      });
      assert.equal(env.rootKey()!.access_key, fresh.accessKeyId);
      assert.equal(env.rootKey()!.username_template, IAM_USERNAME_TEMPLATE);
      assert.match(await env.issueUser(), /^vault-tfc-plan-token-/, "the engine works with the fresh key");

      // The operator deletes the older key; the next pulumi up rotates.
      env.aws.deleteAccessKey(vaultsKey);
      await host.create(checked.inputs);
      const [only] = env.aws.accessKeysOf(ROOT_USER);
      assert.deepEqual(env.aws.accessKeysOf(ROOT_USER), [env.rootKey()!.access_key]);
      assert.notEqual(only, fresh.accessKeyId);
      assert.equal(env.rootKey()!.username_template, IAM_USERNAME_TEMPLATE);
      assert.match(await env.issueUser(), /^vault-tfc-plan-token-/);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("a fresh key replaces the resource: written with the new settings and rotated again", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      const first = await host.create({ ...env.inputs(), __provider: provider });
      // An operator makes a new key for the engine's user (the rotated one is the only other).
      const fresh = env.aws.createAccessKey(ROOT_USER);
      env.aws.deleteAccessKey(env.rootKey()!.access_key!);
      const news = {
        ...env.inputs({
          accessKey: fresh.accessKeyId,
          secretKey: fresh.secretAccessKey,
          region: "eu-west-1",
        }),
        __provider: provider,
      };
      const checked = await host.check({ ...env.inputs(), __provider: provider }, news);
      assert.deepEqual(checked.failures, []);
      const diff = await host.diff(first.id, first.props, checked.inputs);
      assert.ok(diff.replaces.includes("accessKey"), JSON.stringify(diff));
      env.vault.requests.length = 0;
      await host.create(checked.inputs);
      assert.deepEqual(
        env.vault.requests.map((r) => [r.method, r.path, r.status]),
        [
          ["POST", "aws/config/root", 204],
          ["POST", "aws/config/rotate-root", 200],
        ],
      );
      assert.equal(env.rootKey()!.region, "eu-west-1");
      assert.deepEqual(env.aws.accessKeysOf(ROOT_USER), [env.rootKey()!.access_key]);
      assert.notEqual(env.rootKey()!.access_key, fresh.accessKeyId);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("falls back to VAULT_ADDR and VAULT_TOKEN in the environment, sending no namespace header when none is set", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: env.vault.address, VAULT_TOKEN: env.token },
    });
    try {
      await host.configure({});
      await host.create({ ...env.inputs(), __provider: provider });
      assert.deepEqual(
        env.vault.requests.map((r) => [r.method, r.path, r.namespace, r.status]),
        [
          ["POST", "aws/config/root", undefined, 204],
          ["POST", "aws/config/rotate-root", undefined, 200],
        ],
      );
      assert.notEqual(env.rootKey()!.access_key, env.oldKey);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("uses the environment when the engine never sent a Configure call", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: env.vault.address, VAULT_TOKEN: env.token },
    });
    try {
      await host.create({ ...env.inputs(), __provider: provider });
      assert.notEqual(env.rootKey()!.access_key, env.oldKey);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("verifies TLS: refuses an unknown CA, accepts one given by VAULT_CACERT", async () => {
    const env = await startVault({ tls: true });
    const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rotate-root-")), "ca.pem");
    fs.writeFileSync(caFile, env.vault.caCertPem!);
    const base = { ...cleanEnv(), VAULT_ADDR: env.vault.address, VAULT_TOKEN: env.token };
    const untrusting = await DynamicProviderHost.start({ env: base });
    const trusting = await DynamicProviderHost.start({ env: { ...base, VAULT_CACERT: caFile } });
    try {
      await untrusting.configure({});
      await assert.rejects(untrusting.create({ ...env.inputs(), __provider: provider }), /certificate/);
      assert.equal(env.vault.requests.length, 0);
      assert.equal(env.rootKey()!.access_key, env.oldKey);
      await trusting.configure({});
      await trusting.create({ ...env.inputs(), __provider: provider });
      assert.notEqual(env.rootKey()!.access_key, env.oldKey);
    } finally {
      await untrusting.stop();
      await trusting.stop();
      await env.stop();
      fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    }
  });

  it("fails the create with Vault's status and errors (root user with two keys), never the token", async () => {
    const env = await startVault();
    env.aws.createAccessKey(ROOT_USER);
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      await assert.rejects(host.create({ ...env.inputs(), __provider: provider }), (e: Error) => {
        assert.match(
          e.message,
          /Vault POST \/v1\/aws\/config\/rotate-root answered 400: .*must have exactly one access key/,
        );
        assert.ok(!e.message.includes(env.token));
        return true;
      });
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("fails with Vault's permission denied when the token may not rotate", async () => {
    const env = await startVault();
    const weak = env.vault.createToken([]);
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": weak });
      await assert.rejects(
        host.create({ ...env.inputs(), __provider: provider }),
        /answered 403: .*permission denied/,
      );
      assert.equal(env.rootKey()!.access_key, env.oldKey);
    } finally {
      await host.stop();
      await env.stop();
    }
  });

  it("fails the create, naming the setting, when no Vault token is configured", async () => {
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": "https://vault.example.com" });
      await assert.rejects(
        host.create({
          __provider: provider,
          mountPath: "aws",
          accessKey: "AKIA1",
          secretKey: "s",
          region: "us-east-1",
        }),
        /vault:token.*VAULT_TOKEN/,
      );
    } finally {
      await host.stop();
    }
  });

  it("check refuses a mount path that is not one, and a missing key or region", async () => {
    const result = await rotateRootProvider.check!(
      {},
      { mountPath: "/aws/", accessKey: "AKIA1", region: "us-east-1" },
    );
    assert.deepEqual(result.failures, [
      {
        property: "mountPath",
        reason: "must be the AWS secrets engine mount path, without leading or trailing /",
      },
      { property: "secretKey", reason: "is required to configure the engine's root key" },
    ]);
  });

  it("diff: nothing changes under the same key and settings; another mount replaces", async () => {
    const olds = {
      mountPath: "aws",
      region: "us-east-1",
      suppliedAccessKeyId: "AKIA1",
      rotatedAt: "2026-01-01T00:00:00.000Z",
    };
    const news = { mountPath: "aws", accessKey: "AKIA1", secretKey: "s", region: "us-east-1" };
    assert.deepEqual(await rotateRootProvider.diff!("id", olds, news), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(await rotateRootProvider.diff!("id", olds, { ...news, mountPath: "aws2" }), {
      changes: true,
      replaces: ["mountPath"],
      deleteBeforeReplace: false,
    });
  });

  it("read and delete leave Vault alone: there is nothing to read back or undo", async () => {
    const env = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": env.vault.address, "vault:token": env.token });
      const props = {
        __provider: provider,
        mountPath: "aws",
        region: "us-east-1",
        suppliedAccessKeyId: env.oldKey,
        rotatedAt: "2026-01-01T00:00:00.000Z",
      };
      const read = await host.read("aws/config/root", props);
      assert.equal(read.props.rotatedAt, "2026-01-01T00:00:00.000Z");
      await host.delete("aws/config/root", props);
      assert.equal(env.vault.requests.length, 0);
      assert.equal(env.rootKey()!.access_key, env.oldKey);
    } finally {
      await host.stop();
      await env.stop();
    }
  });
});
