import { strict as assert } from "node:assert";
import { resolveVaultConnection } from "../../providers/vault/vault-connection";

const TOKEN = "hvs.never-printed-token";
const config = (values: Record<string, string>) => (key: string) => values[key];
const none = config({});

describe("Vault connection for dynamic providers (read at call time)", () => {
  it("prefers the @pulumi/vault stack config over the environment", () => {
    const conn = resolveVaultConnection(
      config({
        "vault:address": "https://vault.example.com:8200/",
        "vault:token": TOKEN,
        "vault:namespace": "team",
      }),
      { VAULT_ADDR: "https://other:8200", VAULT_TOKEN: "other", VAULT_NAMESPACE: "other" },
    );
    assert.deepEqual(conn, { address: "https://vault.example.com:8200", token: TOKEN, namespace: "team" });
  });

  it("falls back to VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT", () => {
    const conn = resolveVaultConnection(none, {
      VAULT_ADDR: "https://vault.internal",
      VAULT_TOKEN: TOKEN,
      VAULT_NAMESPACE: "admin/team",
      VAULT_CACERT: "/etc/ca.pem",
    });
    assert.deepEqual(conn, {
      address: "https://vault.internal",
      token: TOKEN,
      namespace: "admin/team",
      caCertFile: "/etc/ca.pem",
    });
  });

  it("refuses a missing address, naming both settings", () => {
    assert.throws(() => resolveVaultConnection(none, { VAULT_TOKEN: TOKEN }), /vault:address .*VAULT_ADDR/);
  });

  it("refuses a missing token without printing anything secret", () => {
    assert.throws(
      () => resolveVaultConnection(none, { VAULT_ADDR: "https://vault" }),
      /pulumi config set --secret vault:token <token>.*VAULT_TOKEN/,
    );
  });

  it("refuses an address that is not a URL", () => {
    assert.throws(
      () => resolveVaultConnection(none, { VAULT_ADDR: "vault", VAULT_TOKEN: TOKEN }),
      /is not a URL/,
    );
  });

  it("masks credentials in an address that is not a URL instead of echoing them", () => {
    assert.throws(
      () =>
        resolveVaultConnection(none, {
          VAULT_ADDR: "https://admin:hunter2@vault example",
          VAULT_TOKEN: TOKEN,
        }),
      (err: Error) => {
        assert.equal(
          err.message,
          'Vault address "https://***@vault example" is not a URL: set vault:address (or VAULT_ADDR) to https://<vault>:8200',
        );
        return true;
      },
    );
  });

  it("refuses plain http to anything but this machine, since the token travels in a header", () => {
    assert.throws(
      () => resolveVaultConnection(none, { VAULT_ADDR: "http://vault.example.com:8200", VAULT_TOKEN: TOKEN }),
      /is not https: use an https:\/\/ address/,
    );
    assert.equal(
      resolveVaultConnection(none, { VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: TOKEN }).address,
      "http://127.0.0.1:8200",
    );
  });

  it("refuses to skip TLS verification", () => {
    for (const settings of [
      { cfg: config({ "vault:skipTlsVerify": "true" }), env: {} },
      { cfg: none, env: { VAULT_SKIP_VERIFY: "1" } },
    ]) {
      assert.throws(
        () =>
          resolveVaultConnection(settings.cfg, {
            VAULT_ADDR: "https://v",
            VAULT_TOKEN: TOKEN,
            ...settings.env,
          }),
        /TLS verification cannot be skipped/,
      );
    }
  });

  it("never includes the token in any error message", () => {
    const attempts = [
      () => resolveVaultConnection(none, { VAULT_ADDR: "http://vault.example.com", VAULT_TOKEN: TOKEN }),
      () => resolveVaultConnection(none, { VAULT_ADDR: "nope", VAULT_TOKEN: TOKEN }),
      () =>
        resolveVaultConnection(none, {
          VAULT_ADDR: "https://v",
          VAULT_TOKEN: TOKEN,
          VAULT_SKIP_VERIFY: "true",
        }),
    ];
    for (const attempt of attempts) {
      assert.throws(attempt, (e: unknown) => e instanceof Error && !e.message.includes(TOKEN));
    }
  });
});
