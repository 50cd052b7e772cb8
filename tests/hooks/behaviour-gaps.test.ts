/**
 * Promises of the hooks that planted bugs once slipped past the suite (issue 15), each held here
 * black-box, through the built hooks run as the agent runs them:
 * - iam_user keys count as usable only after three accepted probes IN A ROW;
 * - an STS error that retrying cannot fix (ExpiredToken) fails the pre hook at once;
 * - a lease id from Vault with `.` or `..` segments is refused, never put in a revoke path;
 * - a state directory left with loose permissions is made private (or refused).
 * Assertions are on outcomes, probe counts and files, never on wall time.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AgentSimulator, ProcessResult } from "../support/agent-simulator";
import { assertCleanAfterRun, assertFailedWith } from "./assertions";
import { RUN, World, type WorldOptions } from "./world";

describe("hooks: behaviour that once went untested", function () {
  this.timeout(60_000);
  let world: World | undefined;
  let sim: AgentSimulator | undefined;
  let agentEnvFile = "";

  async function setUp(options: WorldOptions = {}): Promise<{ world: World; sim: AgentSimulator }> {
    world = await World.start(options);
    sim = world.simulator();
    agentEnvFile = path.join(sim.home, "op.env");
    fs.writeFileSync(agentEnvFile, "", { mode: 0o600 });
    return { world, sim };
  }

  /** The plan pre hook alone, as the agent runs it (so every probe the double saw is its own). */
  function prePlan(w: World, s: AgentSimulator): Promise<ProcessResult> {
    return s.runHook(
      "terraform-pre-plan",
      s.hookEnv(agentEnvFile, w.issuer.issue({ ...RUN, phase: "plan", runId: s.runId })),
    );
  }

  /** The operation is over: the agent drops its env file and runs the post hook. */
  async function postPlan(s: AgentSimulator): Promise<ProcessResult> {
    fs.rmSync(agentEnvFile, { force: true });
    return s.runHook("terraform-post-plan", s.hookEnv(agentEnvFile, null));
  }

  afterEach(async function () {
    try {
      // Only after a pass: a failed test already says what broke, and the other tests still run.
      if (this.currentTest?.state === "passed" && world && sim) await assertCleanAfterRun(world, sim);
    } finally {
      sim?.dispose();
      await world?.stop();
      world = undefined;
      sim = undefined;
    }
  });

  it("iam_user: a key accepted once, then rejected, must be accepted three times in a row again", async () => {
    const { world: w, sim: s } = await setUp({ credentialType: "iam_user" });
    // accepted, rejected, accepted twice, rejected: then the key works (AWS's usual answer).
    w.aws.scriptedProbes.push("pass", "InvalidClientTokenId", "pass", "pass", "InvalidClientTokenId");
    const pre = await prePlan(w, s);
    assert.equal(pre.code, 0, pre.stderr);
    assert.deepEqual(
      w.aws.probes.map((p) => (p.ok ? "accepted" : p.code)),
      [
        "accepted",
        "InvalidClientTokenId",
        "accepted",
        "accepted",
        "InvalidClientTokenId",
        "accepted",
        "accepted",
        "accepted",
      ],
      "probing stops at the third acceptance in a row, not before",
    );
    assert.match(fs.readFileSync(agentEnvFile, "utf8"), /^AWS_ACCESS_KEY_ID=AKIA/m);
    const post = await postPlan(s);
    assert.equal(post.code, 0, post.stderr);
  });

  it("STS credentials AWS answers ExpiredToken for: fails at once, after one probe, and revokes", async () => {
    const { world: w, sim: s } = await setUp({ credentialType: "federation_token" });
    // One ExpiredToken, then acceptance: a retry would "succeed", so only failing at once passes.
    w.aws.scriptedProbes.push("ExpiredToken");
    const pre = await prePlan(w, s);
    assertFailedWith(pre, /AWS refused the new credentials .*ExpiredToken/);
    assert.equal(w.aws.probes.length, 1, "a non-retryable answer is not retried");
    assert.equal(fs.readFileSync(agentEnvFile, "utf8"), "", "nothing handed to Terraform");
    const post = await postPlan(s);
    assert.equal(post.code, 0, post.stderr);
  });

  for (const [what, rewrite] of [
    ["a `..` segment", (id: string) => `${id}/../../apply/x`],
    ["a `.` segment", (id: string) => id.replace(/\/([^/]+)$/, "/./$1")],
    ["nothing but `..`", () => ".."],
  ] as const) {
    it(`refuses a lease_id from Vault with ${what}, and never puts it in a revoke path`, async () => {
      const { world: w, sim: s } = await setUp();
      w.vault.injectFault(
        { kind: "rewrite", rewrite: (b) => ({ ...b, lease_id: rewrite(String(b.lease_id)) }) },
        { path: "aws/creds/plan" },
      );
      const pre = await prePlan(w, s);
      assertFailedWith(pre, /lease_id/);
      assert.equal(fs.readFileSync(agentEnvFile, "utf8"), "");
      assert.deepEqual(
        w.vault.requests.filter((r) => r.path.startsWith("sys/leases/revoke")).map((r) => r.path),
        [],
        "an untrusted lease id reached a revoke path",
      );
      // Revoking the token revoked the real lease with it (checked after each test).
      assert.ok(w.vault.requests.some((r) => r.path === "auth/token/revoke-self" && r.status === 204));
      const post = await postPlan(s);
      assert.equal(post.code, 0, post.stderr);
    });
  }

  it("refuses a hooks' state dir that is not private (0755): nothing is obtained, nothing handed to Terraform", async () => {
    const { world: w, sim: s } = await setUp();
    const dir = s.host.layout.stateDir;
    fs.chmodSync(dir, 0o755);
    const pre = await prePlan(w, s);
    assertFailedWith(
      pre,
      /the hooks' state dir \S+ is not private to the hooks' user \(owner \d+, mode 755\)/,
    );
    assert.equal(fs.readFileSync(agentEnvFile, "utf8"), "");
    assert.deepEqual(w.vault.requests, [], "nothing was asked of Vault");
    fs.chmodSync(dir, 0o700);
    const post = await postPlan(s);
    assert.equal(post.code, 0, post.stderr);
  });
});
