/**
 * HOOK_ENVIRONMENT (hooks/src/contract.ts) is what the sudo rule keeps and the wrapper passes: the
 * hooks must read nothing outside it (it would silently be missing on the agent), and it must list
 * nothing the hooks do not read (it would widen what the agent's environment can send in).
 * Every function that reads the environment is run over a recording environment.
 */
import { strict as assert } from "node:assert";
import {
  HOOK_ENVIRONMENT,
  nativeFlowEnabled,
  readPreSettings,
  STATE_DIR_VARIABLE,
} from "../../hooks/src/contract";
import { hookTimeoutSeconds } from "../../hooks/src/deadline";
import { hookFromPath } from "../../hooks/src/hook-name";
import { HOOK_NAMES } from "../../hooks/src/layout";
import { probeRegion } from "../../hooks/src/readiness";
import { requireRunId, stateDir } from "../../hooks/src/state-file";
import { stsEndpoint } from "../../hooks/src/sts-probe";

/** An environment with `values` set that records every name read from it. */
function recording(values: Record<string, string>, read: Set<string>): NodeJS.ProcessEnv {
  return new Proxy(values, {
    get(target, name) {
      if (typeof name === "string") read.add(name);
      return target[name as string];
    },
  });
}

describe("hooks: the environment they read is exactly HOOK_ENVIRONMENT", () => {
  it("reads nothing outside the list (plus the wrapper's own state dir), and every name on it", () => {
    const read = new Set<string>();
    // Only fallbacks set, so every name in each chain is read.
    const env = recording(
      {
        TFC_WORKLOAD_IDENTITY_TOKEN: "a.b.c",
        VAULT_ADDR: "https://vault.example.com",
        TFC_VAULT_RUN_ROLE: "tfc",
        TFC_VAULT_BACKED_AWS_RUN_VAULT_ROLE: "aws",
        TFC_RUN_ID: "run-abc",
      },
      read,
    );
    for (const phase of ["plan", "apply"] as const) readPreSettings(env, phase);
    for (const name of HOOK_NAMES) hookTimeoutSeconds(hookFromPath(name)!, env);
    nativeFlowEnabled(env);
    requireRunId(env);
    probeRegion(env);
    stsEndpoint(env, "us-east-1");
    try {
      stateDir(env);
    } catch {
      // Not set here: reading it is what counts.
    }
    const allowed = new Set([...HOOK_ENVIRONMENT, STATE_DIR_VARIABLE]);
    assert.deepEqual(
      [...read].filter((n) => !allowed.has(n)).sort(),
      [],
      "read but not passed by sudo/the wrapper",
    );
    assert.deepEqual(
      HOOK_ENVIRONMENT.filter((n) => !read.has(n)),
      [],
      "passed by sudo/the wrapper but never read",
    );
  });
});
