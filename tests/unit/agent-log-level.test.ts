/**
 * The agents' log level: tfc-agent's debug and trace levels log request details that may carry
 * secrets (README, configuration table), so configuration refuses both, in any spelling, before anything
 * is created, and accepts the quiet levels.
 */
import { strict as assert } from "node:assert";
import { readStackConfig } from "../../config";
import { ConfigErrors } from "../../config/errors";
import { devSource } from "../program/dev-stack";

/** The configuration's problems with agentLogLevel set to `level` (empty when accepted). */
function problems(level: string): string[] {
  try {
    readStackConfig(devSource({ agentLogLevel: level }));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return err.errors.map((e) => e.message);
  }
}

describe("config: agentLogLevel", () => {
  for (const level of ["debug", "trace", "DEBUG", "Trace"]) {
    it(`refuses "${level}", naming the key and a safe value`, () => {
      assert.deepEqual(problems(level), [
        `tfc-jit-aws:agentLogLevel: must be one of info, warn, error, got "${level}". Fix: pulumi config set tfc-jit-aws:agentLogLevel info`,
      ]);
    });
  }

  for (const level of ["info", "warn", "error"]) {
    it(`accepts "${level}" and hands it to the agents`, () => {
      assert.equal(readStackConfig(devSource({ agentLogLevel: level })).agent.logLevel, level);
    });
  }
});
