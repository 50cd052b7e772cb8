/**
 * RotateRoot driven through Pulumi's real dynamic-provider host (serialized provider, gRPC), as
 * `pulumi up` runs it. Vault is a minimal in-test HTTP(S) server that records requests: the
 * shared Vault double (tests/support/vault-double.ts) did not exist when this was written.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import {
  DynamicProviderHost,
  serializeProvider,
  withoutTfeVariables,
} from "../support/dynamic-provider-host";
import { testCa } from "../support/test-ca";
import { rotateRootProvider } from "../../providers/vault/rotate-root";

const TOKEN = "hvs.rotate-root-test-token";
const NEW_KEY = "AKIAROTATEDKEY000001";

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  namespace: string | undefined;
}

/** A recording stand-in for Vault's `POST /v1/<mount>/config/rotate-root`. */
async function startVault(
  options: { tls?: { key: string; cert: string }; status?: number; body?: unknown } = {},
) {
  const seen: Seen[] = [];
  const handler: http.RequestListener = (req, res) => {
    seen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      token: req.headers["x-vault-token"] as string | undefined,
      namespace: req.headers["x-vault-namespace"] as string | undefined,
    });
    const status = options.status ?? 200;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(options.body ?? { data: { access_key: NEW_KEY } }));
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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

  it("rotates once with POST <mount>/config/rotate-root, using the stack's vault:* config, and keeps no key", async () => {
    const vault = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({
        "vault:address": vault.address,
        "vault:token": TOKEN,
        "vault:namespace": "team",
      });
      const checked = await host.check({}, { __provider: provider, mountPath: "team/aws" });
      assert.deepEqual(checked.failures, []);
      const created = await host.create(checked.inputs);
      assert.deepEqual(vault.seen, [
        { method: "POST", url: "/v1/team/aws/config/rotate-root", token: TOKEN, namespace: "team" },
      ]);
      assert.equal(created.id, "team/aws/config/rotate-root");
      assert.deepEqual(Object.keys(created.props).sort(), ["__provider", "mountPath", "rotatedAt"]);
      const state = JSON.stringify(created.props);
      assert.doesNotMatch(state, new RegExp(`${NEW_KEY}|${TOKEN}`));
      assert.doesNotMatch(host.stderr, new RegExp(TOKEN));
    } finally {
      await host.stop();
      await vault.close();
    }
  });

  it("falls back to VAULT_ADDR and VAULT_TOKEN in the environment, sending no namespace header when none is set", async () => {
    const vault = await startVault();
    const host = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN },
    });
    try {
      await host.configure({});
      await host.create({ __provider: provider, mountPath: "aws" });
      assert.deepEqual(vault.seen, [
        { method: "POST", url: "/v1/aws/config/rotate-root", token: TOKEN, namespace: undefined },
      ]);
    } finally {
      await host.stop();
      await vault.close();
    }
  });

  it("verifies TLS: refuses an unknown CA, accepts one given by VAULT_CACERT", async () => {
    const ca = await testCa();
    const vault = await startVault({ tls: await ca.serverCert() });
    const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rotate-root-")), "ca.pem");
    fs.writeFileSync(caFile, ca.certPem);
    const untrusting = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN },
    });
    const trusting = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN, VAULT_CACERT: caFile },
    });
    try {
      await untrusting.configure({});
      await assert.rejects(untrusting.create({ __provider: provider, mountPath: "aws" }), /certificate/);
      assert.equal(vault.seen.length, 0);
      await trusting.configure({});
      await trusting.create({ __provider: provider, mountPath: "aws" });
      assert.equal(vault.seen.length, 1);
    } finally {
      await untrusting.stop();
      await trusting.stop();
      await vault.close();
      fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    }
  });

  it("fails the create with Vault's status and errors, never the token", async () => {
    const vault = await startVault({
      status: 400,
      body: { errors: ["error rotating root: the user has 2 access keys"] },
    });
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": vault.address, "vault:token": TOKEN });
      await assert.rejects(host.create({ __provider: provider, mountPath: "aws" }), (e: Error) => {
        assert.match(
          e.message,
          /Vault POST \/v1\/aws\/config\/rotate-root answered 400: error rotating root: the user has 2 access keys/,
        );
        assert.doesNotMatch(e.message, new RegExp(TOKEN));
        return true;
      });
    } finally {
      await host.stop();
      await vault.close();
    }
  });

  it("fails the create, naming the setting, when no Vault token is configured", async () => {
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": "https://vault.example.com" });
      await assert.rejects(
        host.create({ __provider: provider, mountPath: "aws" }),
        /vault:token.*VAULT_TOKEN/,
      );
    } finally {
      await host.stop();
    }
  });

  it("uses the environment when the engine never sent a Configure call", async () => {
    const vault = await startVault();
    const host = await DynamicProviderHost.start({
      env: { ...cleanEnv(), VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN },
    });
    try {
      await host.create({ __provider: provider, mountPath: "aws" });
      assert.equal(vault.seen.length, 1);
    } finally {
      await host.stop();
      await vault.close();
    }
  });

  it("check refuses a mount path that is not one", async () => {
    const result = await rotateRootProvider.check!({}, { mountPath: "/aws/" });
    assert.deepEqual(result.failures, [
      {
        property: "mountPath",
        reason: "must be the AWS secrets engine mount path, without leading or trailing /",
      },
    ]);
  });

  it("replaces only when the mount changes", async () => {
    const olds = { mountPath: "aws", rotatedAt: "2026-01-01T00:00:00.000Z" };
    assert.deepEqual(await rotateRootProvider.diff!("id", olds, { mountPath: "aws" }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(await rotateRootProvider.diff!("id", olds, { mountPath: "aws2" }), {
      changes: true,
      replaces: ["mountPath"],
      deleteBeforeReplace: false,
    });
  });

  it("read and delete leave Vault alone: there is nothing to read back or undo", async () => {
    const vault = await startVault();
    const host = await DynamicProviderHost.start({ env: cleanEnv() });
    try {
      await host.configure({ "vault:address": vault.address, "vault:token": TOKEN });
      const props = { __provider: provider, mountPath: "aws", rotatedAt: "2026-01-01T00:00:00.000Z" };
      const read = await host.read("aws/config/rotate-root", props);
      assert.equal(read.props.rotatedAt, "2026-01-01T00:00:00.000Z");
      await host.delete("aws/config/rotate-root", props);
      assert.equal(vault.seen.length, 0);
    } finally {
      await host.stop();
      await vault.close();
    }
  });
});
