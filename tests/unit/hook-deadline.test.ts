/**
 * The hooks' hard limit: the agent kills a hook at its timeout, so everything a hook does, the
 * cleanup after a failure included, must end at least a second before that (to print its one
 * line and exit), and the cleanup must get time beyond the work budget.
 */
import { strict as assert } from "node:assert";
import { Deadline } from "../../hooks/src/deadline";
import { hookFromPath } from "../../hooks/src/hook-name";

const STARTED_AT = 1_000_000;
const MARGIN_MS = 1000;

/** Hook, agent environment, and the timeout in seconds after which the agent kills the hook. */
const CASES: Array<[string, Record<string, string>, number]> = [
  ["terraform-pre-plan", {}, 60],
  ["terraform-post-apply", {}, 60],
  ["terraform-pre-apply", { TFC_AGENT_HOOK_TIMEOUT: "10" }, 10],
  ["terraform-pre-plan", { TFC_AGENT_HOOK_TIMEOUT: "100", TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "2m" }, 120],
  ["terraform-post-plan", { TFC_AGENT_HOOK_POST_PLAN_TIMEOUT: "30s" }, 30],
];

describe("hooks: the hard limit keeps its margin before the agent's kill", () => {
  for (const [name, env, timeoutS] of CASES) {
    it(`${name} with ${JSON.stringify(env)}: ends >= 1 s before the ${timeoutS} s kill, after the work budget`, () => {
      const hook = hookFromPath(name);
      assert.ok(hook);
      const kill = STARTED_AT + timeoutS * 1000;
      const hard = Deadline.hardLimit(hook, env, STARTED_AT);
      assert.ok(
        hard.at <= kill - MARGIN_MS,
        `hard limit ${hard.at - STARTED_AT} ms is within 1 s of the kill`,
      );
      assert.ok(hard.remainingMs(STARTED_AT) <= timeoutS * 1000 - MARGIN_MS);
      const work = Deadline.forHook(hook, env, STARTED_AT);
      assert.ok(hard.at > work.at, "cleanup after a failure gets time beyond the work budget");
      assert.match(hard.source, new RegExp(`\\b${timeoutS} s hook timeout`));
    });
  }
});
