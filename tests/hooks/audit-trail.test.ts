/**
 * The audit trail (docs/audit-trail.md): the pre hook names the AWS principal next to the run id,
 * and assumed_role sessions carry the run id in their name, so CloudTrail's userIdentity.arn leads
 * back to the run. Whole runs through the BUILT hooks against the doubles.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { IAM_USERNAME_TEMPLATE } from "../../components/vault-aws-engine";
import { createProbe } from "../../hooks/src/sts-probe";
import { sessionNameFor } from "../../hooks/src/vault-api";
import type { AgentSimulator } from "../support/agent-simulator";
import { assertCleanAfterRun } from "./assertions";
import { World } from "./world";

const ACCOUNT = "123456789012";
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("hooks: audit trail", function () {
  this.timeout(60_000);
  let world: World;
  let sim: AgentSimulator;

  afterEach(async () => {
    try {
      if (sim?.isDisposed() === false) await assertCleanAfterRun(world, sim);
    } finally {
      sim?.dispose();
      await world?.stop();
    }
  });

  it("assumed_role: the session is named after the run and phase, and the pre hook prints its ARN with the run id", async () => {
    world = await World.start({ credentialType: "assumed_role" });
    sim = world.simulator();
    const run = await sim.runRun();
    for (const phase of run) {
      assert.equal(phase.pre.code, 0, phase.pre.stderr);
      const session = `tfc-${sim.runId}-${phase.phase}`;
      const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/tfc-${phase.phase}/${session}`;
      assert.match(phase.pre.stdout, new RegExp(`; run ${escape(sim.runId)} acts as ${escape(arn)}\\n`));
      // What AWS (the double's STS) says the credentials act as: the same session.
      assert.match(phase.terraform?.stdout ?? "", new RegExp(`acting as ${escape(arn)}`));
      const read = world.vault.requests.find((r) => r.path === `aws/sts/${phase.phase}`);
      assert.equal(read?.body.role_session_name, session);
      assert.equal(read?.status, 200);
    }
  });

  it("iam_user: the pre hook prints the IAM user's ARN with the run id", async () => {
    world = await World.start();
    sim = world.simulator();
    const run = await sim.runRun();
    for (const phase of run) {
      assert.equal(phase.pre.code, 0, phase.pre.stderr);
      assert.match(
        phase.pre.stdout,
        new RegExp(`; run ${escape(sim.runId)} acts as arn:aws:iam::${ACCOUNT}:user/vault-[\\w+=,.@-]+\\n`),
      );
      // iam_user names come from Vault's username_template; no session name is sent.
      const read = world.vault.requests.find((r) => r.path === `aws/creds/${phase.phase}`);
      assert.equal(read?.body.role_session_name, undefined);
    }
  });

  const userOf = (stdout: string): string =>
    new RegExp(`acts as arn:aws:iam::${ACCOUNT}:user/([\\w+=,.@-]+)\\n`).exec(stdout)?.[1] ?? "";

  it("iam_user with Vault's default username_template: the name loses the workspace (why the program sets one)", async () => {
    world = await World.start();
    sim = world.simulator();
    const [plan] = await sim.runRun();
    const user = userOf(plan.pre.stdout);
    // DisplayName "jwt-" + terraform_full_workspace, normalized, then "-plan", cut at 42.
    assert.match(user, /^vault-jwt-organization_acme_project_Platform_Tea-\d{10}-[0-9A-Za-z]{4}$/);
    assert.ok(!user.includes("network"));
  });

  it("iam_user with the program's username_template: the IAM user name carries role, organization, project and workspace", async () => {
    world = await World.start({ usernameTemplate: IAM_USERNAME_TEMPLATE });
    sim = world.simulator();
    const [plan, apply] = await sim.runRun();
    assert.match(
      userOf(plan.pre.stdout),
      /^vault-plan-jwt-acme\.Platform_Team\.network-prod-\d{10}-[0-9A-Za-z]{6}$/,
    );
    // 40 characters for role + display name: a longer role name cuts the workspace's end.
    assert.match(
      userOf(apply.pre.stdout),
      /^vault-apply-jwt-acme\.Platform_Team\.network-pro-\d{10}-[0-9A-Za-z]{6}$/,
    );
    for (const phase of [plan, apply]) assert.ok(userOf(phase.pre.stdout).length <= 64);
  });

  for (const type of ["federation_token", "session_token"] as const) {
    it(`${type}: no session name is sent (Vault names it), and the principal is still printed`, async () => {
      world = await World.start({ credentialType: type });
      sim = world.simulator();
      const [plan] = await sim.runRun();
      assert.equal(plan.pre.code, 0, plan.pre.stderr);
      const principal =
        type === "federation_token"
          ? `arn:aws:sts::${ACCOUNT}:federated-user/vault-`
          : `arn:aws:iam::${ACCOUNT}:user/`;
      assert.match(plan.pre.stdout, new RegExp(`; run ${escape(sim.runId)} acts as ${escape(principal)}`));
      const read = world.vault.requests.find((r) => r.path === "aws/sts/plan");
      assert.equal(read?.body.role_session_name, undefined);
    });
  }

  it("prints only ARN characters from an STS answer: a line break in <Arn> gives no principal", async () => {
    const answers = [
      `arn:aws:iam::${ACCOUNT}:user/x\ntfc-jit-aws: AWS credentials ready for apply`,
      `arn:aws:iam::${ACCOUNT}:user/x`,
    ];
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${answers.shift()}</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const probe = createProbe({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" }, "us-east-1", {
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      assert.deepEqual(await probe.callerIdentity(5000), { ok: true, detail: "" });
      assert.deepEqual(await probe.callerIdentity(5000), {
        ok: true,
        detail: `arn:aws:iam::${ACCOUNT}:user/x`,
      });
    } finally {
      probe.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("session names fit STS's RoleSessionName grammar, even for a very long run id", () => {
    assert.equal(sessionNameFor("run-abc123", "plan"), "tfc-run-abc123-plan");
    const long = sessionNameFor(`run-${"x".repeat(100)}`, "apply");
    assert.equal(long.length, 64);
    assert.match(long, /^tfc-run-x+-apply$/);
    assert.match(long, /^[\w+=,.@-]{2,64}$/);
  });
});
