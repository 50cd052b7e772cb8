/**
 * HOOK_ENVIRONMENT and TAGGED_HOOK_VARIABLES (hooks/src/contract.ts) are what the sudo rule keeps
 * and the wrapper passes: exact names, and `<BASE>_<TAG>` for each tagged base. The hooks must read
 * nothing outside them (it would silently be missing on the agent), and they must list nothing the
 * hooks do not read (it would widen what the agent's environment can send in).
 * Every function that reads the environment is run over a recording environment.
 */
import { strict as assert } from "node:assert";
import { flowInCharge, readConfigurations } from "../../hooks/src/aws-configurations";
import {
  CREDENTIALS_DIR_VARIABLE,
  HOOK_ENVIRONMENT,
  STATE_DIR_VARIABLE,
  TAGGED_HOOK_VARIABLES,
} from "../../hooks/src/contract";
import { phaseCredentialsDir } from "../../hooks/src/credentials-files";
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

/** Tag T of the AWS configuration, V of its Vault configuration. */
const T = "NET";
const V = "HUB";

describe("hooks: the environment they read is exactly HOOK_ENVIRONMENT plus the tagged families", () => {
  it("reads nothing outside the lists (plus the wrapper's own dirs), and every name on them", () => {
    const read = new Set<string>();
    // Only fallbacks set, so every name in each chain is read.
    const env = recording(
      {
        TFC_WORKLOAD_IDENTITY_TOKEN: "a.b.c",
        [`TFC_WORKLOAD_IDENTITY_TOKEN_${V}`]: "d.e.f",
        VAULT_ADDR: "https://vault.example.com",
        [`TFC_VAULT_ADDR_${V}`]: "https://hub.example.com",
        TFC_VAULT_RUN_ROLE: "tfc",
        [`TFC_VAULT_RUN_ROLE_${V}`]: "tfc",
        [`TFC_VAULT_BACKED_AWS_AUTH_${T}`]: "false",
        [`TFC_VAULT_BACKED_AWS_VAULT_CONFIG_${T}`]: V,
        TFC_DEFAULT_VAULT_BACKED_AWS_RUN_VAULT_ROLE: "aws",
        TFC_RUN_ID: "run-abc",
      },
      read,
    );
    for (const phase of ["plan", "apply"] as const) readConfigurations(env, phase);
    for (const name of HOOK_NAMES) hookTimeoutSeconds(hookFromPath(name)!, env);
    flowInCharge(env);
    requireRunId(env);
    probeRegion(env);
    stsEndpoint(env, "us-east-1");
    for (const dirOf of [() => stateDir(env), () => phaseCredentialsDir(env, "run-abc", "plan")]) {
      try {
        dirOf();
      } catch {
        // Not set here: reading it is what counts.
      }
    }
    const allowed = new Set([...HOOK_ENVIRONMENT, STATE_DIR_VARIABLE, CREDENTIALS_DIR_VARIABLE]);
    const taggedBase = (n: string): string | undefined =>
      TAGGED_HOOK_VARIABLES.find((b) => n === `${b}_${T}` || n === `${b}_${V}`);
    assert.deepEqual(
      [...read].filter((n) => !allowed.has(n) && taggedBase(n) === undefined).sort(),
      [],
      "read but not passed by sudo/the wrapper",
    );
    assert.deepEqual(
      HOOK_ENVIRONMENT.filter((n) => !read.has(n)),
      [],
      "passed by sudo/the wrapper but never read",
    );
    const taggedRead = new Set([...read].map(taggedBase).filter((b) => b !== undefined));
    assert.deepEqual(
      TAGGED_HOOK_VARIABLES.filter((b) => !taggedRead.has(b)),
      [],
      "a tagged family passed by sudo/the wrapper but never read in its tagged form",
    );
  });
});
