/**
 * What the hooks read from the network is bounded and never printed raw: Vault's error text is
 * redacted BEFORE it is cut (issue 9: cut first, a proxy that echoes the token got 83 of its 86
 * characters printed, repro r6), and answers are capped (256 KiB from Vault, 64 KiB from STS).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Deadline } from "../../hooks/src/deadline";
import { printable, registerSecret } from "../../hooks/src/output";
import { createProbe, STS_BODY_LIMIT } from "../../hooks/src/sts-probe";
import { VAULT_BODY_LIMIT, VaultCallError, VaultClient } from "../../hooks/src/vault-client";
import { AgentHost } from "../support/agent-host";
import { AgentSimulator } from "../support/agent-simulator";
import { AwsDouble } from "../support/aws-double";
import { testCa } from "../support/test-ca";
import { TokenIssuer } from "../support/token-issuer";
import { RUN } from "./world";

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Every substring of `secret` of `n` characters: any of them in the output is a leak. */
function fragments(secret: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= secret.length; i++) out.push(secret.slice(i, i + n));
  return out;
}

describe("hooks: what they read is bounded, and redacted before it is cut", function () {
  this.timeout(30_000);

  it("redacts a registered secret first, then cuts: no head of the secret survives the cut", () => {
    const secret = "hvs.CAESIJ3xK9vQ2mR7tL5nW8pY4zA6bC1dE0fG2hI3jK4lM5nO6pQ7rS8tU9vW0xY1zA2bC3dE4fG5hI6jK7";
    registerSecret(secret);
    const text = `${"p".repeat(300 - 30)} denied for X-Vault-Token=${secret}`;
    const out = printable(text, 300);
    for (const f of fragments(secret, 8)) assert.ok(!out.includes(f), `"${f}" printed`);
    assert.ok(out.includes("[redacted]") || !out.includes("X-Vault-Token=hvs"), out);
  });

  it("a Vault (or proxy) that echoes the token in a 403 gets none of it into the run log, through the built pre hook (repro r6)", async () => {
    const TOKEN = "hvs.CAESIJ3xK9vQ2mR7tL5nW8pY4zA6bC1dE0fG2hI3jK4lM5nO6pQ7rS8tU9vW0xY1zA2bC3dE4fG5hI6jK7";
    const vault = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        const url = req.url ?? "";
        if (url.endsWith("/login")) {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ auth: { client_token: TOKEN, lease_duration: 60 } }));
          return;
        }
        if (url.includes("/creds/")) {
          // The token ends 2 characters past the 300-character cut, as in the repro.
          const echoed = String(req.headers["x-vault-token"]);
          const pad = 300 - ("denied for X-Vault-Token=".length + echoed.length - 2);
          res.writeHead(403, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ errors: [`${"p".repeat(pad)} denied for X-Vault-Token=${echoed}`] }));
          return;
        }
        res.writeHead(204);
        res.end();
      });
    });
    const ca = await testCa();
    const issuer = await TokenIssuer.start(ca);
    const aws = await AwsDouble.start({ propagationDelayMs: 0 });
    const host = new AgentHost("direct");
    const sim = new AgentSimulator({
      issuer,
      aws,
      run: RUN,
      host,
      workspaceEnv: {
        TFC_VAULT_ADDR: vault.url,
        TFC_VAULT_PLAN_ROLE: "tfc-plan",
        TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE: "plan",
      },
    });
    try {
      const envFile = sim.agentEnvFile("plan.env");
      const jwt = issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
      const pre = await sim.runHook("terraform-pre-plan", sim.hookEnv(envFile, jwt));
      assert.equal(pre.code, 1, pre.stdout + pre.stderr);
      assert.match(pre.stderr, /was refused: Vault answered 403/);
      const printed = pre.stdout + pre.stderr;
      for (const f of fragments(TOKEN, 8))
        assert.ok(!printed.includes(f), `token fragment "${f}" printed: ${printed}`);
      assert.equal(fs.readFileSync(envFile, "utf8"), "");
      // The fake Vault accepted the revocations; the state was cleaned up.
      assert.deepEqual(
        host.stateFiles().map((f) => path.basename(f)),
        [],
      );
    } finally {
      sim.dispose();
      host.dispose();
      await vault.close();
      await aws.stop();
      await issuer.stop();
    }
  });

  it(`reads at most ${VAULT_BODY_LIMIT / 1024} KiB of a Vault answer and says so`, async () => {
    let sent = 0;
    const big = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { "Content-Type": "application/json" });
      // No Content-Length: the cap must hold while streaming, too.
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write("{");
      const pump = (): void => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end("}");
      };
      pump();
    });
    const client = new VaultClient({ address: big.url }, new Deadline(Date.now() + 10_000, "test"));
    try {
      await assert.rejects(
        client.call("GET", "aws/creds/plan"),
        (err: unknown) =>
          err instanceof VaultCallError &&
          err.problem === "json" &&
          /is larger than 256 KiB; nothing was read past that/.test(err.message),
      );
      assert.ok(sent < 4 * 1024 * 1024, "the hook kept reading after the cap");
    } finally {
      client.close();
      await big.close();
    }
  });

  it(`reads at most ${STS_BODY_LIMIT / 1024} KiB of an STS answer (declared or streamed) and treats more as not STS`, async () => {
    for (const declared of [true, false]) {
      const body = `<GetCallerIdentityResponse>${"x".repeat(STS_BODY_LIMIT)}</GetCallerIdentityResponse>`;
      const sts = await serve((req, res) => {
        req.resume();
        res.writeHead(200, {
          "Content-Type": "text/xml",
          ...(declared ? { "Content-Length": Buffer.byteLength(body) } : {}),
        });
        res.end(body);
      });
      const probe = createProbe({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" }, "us-east-1", {
        AWS_ENDPOINT_URL_STS: sts.url,
      });
      try {
        assert.deepEqual(await probe.callerIdentity(5000), { ok: false, detail: "BodyTooLarge" });
      } finally {
        probe.close();
        await sts.close();
      }
    }
  });

  it("signs GetCallerIdentity so AWS (the double, which checks SigV4) accepts it, and reports the caller", async () => {
    const aws = await AwsDouble.start({ propagationDelayMs: 0 });
    try {
      aws.createUser("probe");
      const key = aws.createAccessKey("probe");
      const probe = createProbe(
        { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
        "us-east-1",
        { AWS_ENDPOINT_URL_STS: aws.stsEndpoint },
      );
      const ok = await probe.callerIdentity(5000);
      probe.close();
      assert.equal(ok.ok, true, ok.detail);
      assert.match(ok.detail, /^arn:aws:iam::\d{12}:user\/probe$/);
      const bad = createProbe({ accessKeyId: key.accessKeyId, secretAccessKey: "wrong" }, "us-east-1", {
        AWS_ENDPOINT_URL_STS: aws.stsEndpoint,
      });
      assert.deepEqual(await bad.callerIdentity(5000), { ok: false, detail: "SignatureDoesNotMatch" });
      bad.close();
    } finally {
      await aws.stop();
    }
  });
});
