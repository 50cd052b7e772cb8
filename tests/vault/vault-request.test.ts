import { strict as assert } from "node:assert";
import * as net from "node:net";
import { AwsDouble } from "../support/aws-double";
import { VaultDouble } from "../support/vault-double";
import { vaultRequest } from "../../providers/vault/vault-request";

describe("Vault request (dynamic providers' one call)", () => {
  let aws: AwsDouble;
  let vault: VaultDouble;

  before(async () => {
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws });
  });
  after(async () => {
    await vault.stop();
    await aws.stop();
  });
  afterEach(() => vault.clearFaults());

  const conn = () => ({ address: vault.address, token: vault.rootToken });

  it("reports a sealed Vault with its status and message", async () => {
    vault.injectFault({ kind: "sealed" });
    await assert.rejects(
      vaultRequest(conn(), "GET", "sys/health"),
      /Vault GET \/v1\/sys\/health answered 503: Vault is sealed/,
    );
  });

  it("reports a dropped connection with the call it was making", async () => {
    vault.injectFault({ kind: "reset" });
    await assert.rejects(
      vaultRequest(conn(), "POST", "aws/config/rotate-root"),
      /Vault POST \/v1\/aws\/config\/rotate-root failed: /,
    );
  });

  it("reports an error answer whose body is not JSON as having no detail", async () => {
    vault.injectFault({ kind: "malformed" });
    await assert.rejects(
      vaultRequest(conn(), "GET", "no/such/path"),
      /Vault GET \/v1\/no\/such\/path answered 404: no error detail/,
    );
  });

  it("treats a broken success body as no body (RotateRoot keeps nothing from it)", async () => {
    vault.injectFault({ kind: "malformed" });
    const res = await vaultRequest(conn(), "GET", "auth/token/lookup-self");
    assert.equal(res.status, 200);
    assert.equal(res.body, undefined);
  });

  it("reports an unreachable Vault", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    await assert.rejects(
      vaultRequest({ address: `http://127.0.0.1:${closed}`, token: "t" }, "GET", "sys/health"),
      /Vault GET \/v1\/sys\/health failed: .*ECONNREFUSED/,
    );
  });

  it("never puts the token in an error", async () => {
    vault.injectFault({ kind: "status", status: 403, errors: ["permission denied"] });
    await assert.rejects(
      vaultRequest(conn(), "GET", "x"),
      (e: Error) => !e.message.includes(vault.rootToken),
    );
  });
});
