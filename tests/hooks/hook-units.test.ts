/**
 * The hooks' small pure parts, tested directly (the simulated runs cover them end to end, but
 * their edge cases are cheaper to pin down here).
 */
import { strict as assert } from "node:assert";
import { backoffMs, Deadline, parseTimeout } from "../../hooks/src/deadline";
import { formatDuration, HookFailure, maskKeyId } from "../../hooks/src/failure";
import { hookFromPath } from "../../hooks/src/hook-name";
import { redact, registerSecret } from "../../hooks/src/output";

describe("hooks: small parts", () => {
  it("knows the four hook names, from any directory, and nothing else", () => {
    assert.deepEqual(hookFromPath("/home/tfc-agent/.tfc-agent/hooks/terraform-pre-apply"), {
      name: "terraform-pre-apply",
      stage: "pre",
      phase: "apply",
    });
    assert.equal(hookFromPath("/x/terraform-post-plan")?.stage, "post");
    for (const other of ["/x/terraform-pre-destroy", "/x/pre-plan", "/x/terraform-pre-plan.sh", "/x/foo"]) {
      assert.equal(hookFromPath(other), undefined, other);
    }
  });

  it("reads hook timeouts as seconds or Go durations, and names the key when it cannot", () => {
    assert.equal(parseTimeout("90", "K"), 90);
    assert.equal(parseTimeout("2m", "K"), 120);
    assert.equal(parseTimeout("1m30s", "K"), 90);
    assert.throws(
      () => parseTimeout("ninety", "TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT"),
      (err: unknown) =>
        err instanceof HookFailure &&
        /TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT="ninety" is not a duration; check: set TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT on the agent to seconds/.test(
          err.message,
        ),
    );
  });

  it("gives the work 75% of the hook timeout, the phase-specific timeout first", () => {
    const hook = hookFromPath("terraform-pre-plan")!;
    const d = Deadline.forHook(
      hook,
      { TFC_AGENT_HOOK_TIMEOUT: "100", TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "40" },
      0,
    );
    assert.equal(d.at, 30_000);
    assert.equal(d.source, "30 s of the 40 s hook timeout");
    assert.equal(Deadline.forHook(hook, {}, 0).at, 45_000);
  });

  it("never backs off longer than the cap, jitter included", () => {
    assert.equal(
      backoffMs(0, 200, 1000, () => 0),
      150,
    );
    assert.equal(
      backoffMs(0, 200, 1000, () => 1),
      250,
    );
    for (let attempt = 0; attempt < 20; attempt++) {
      assert.ok(backoffMs(attempt, 200, 1000, () => 0.999) <= 1000);
    }
  });

  it("masks access key ids to their first and last four characters", () => {
    assert.equal(maskKeyId("AKIAABCDEFGHIJKLWXYZ"), "AKIA************WXYZ");
    assert.equal(maskKeyId("short"), "*****");
  });

  it("formats TTLs for people", () => {
    assert.equal(formatDuration(890), "14m50s");
    assert.equal(formatDuration(3661), "1h1m1s");
    assert.equal(formatDuration(-5), "0s");
  });

  it("scrubs every registered secret from output and keeps it on one line", () => {
    registerSecret("hvs.SECRET-TOKEN-VALUE");
    registerSecret("short"); // too short to scrub safely: ignored
    assert.equal(redact("token hvs.SECRET-TOKEN-VALUE\nnext"), "token [redacted] next");
    assert.equal(redact("short words"), "short words");
  });
});
