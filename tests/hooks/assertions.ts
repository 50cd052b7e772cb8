/** Checks every simulated run must pass, failed or not (issue 6 "Tests"). */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import type { AgentSimulator, ProcessResult } from "../support/agent-simulator";
import type { World } from "./world";

/** Zero live leases, zero dynamic IAM users, zero tokens, no state or credentials file, no secret anywhere. */
export async function assertCleanAfterRun(world: World, sim: AgentSimulator): Promise<void> {
  const left = await world.leftovers();
  assert.deepEqual(left, { leases: 0, users: [], tokens: 0 }, "something was left alive in Vault or AWS");
  const stateDir = sim.host.layout.stateDir;
  const states = fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : [];
  assert.deepEqual(states, [], "a state file was left behind");
  const filesDir = sim.host.layout.credentialsDir;
  const files = fs.existsSync(filesDir) ? fs.readdirSync(filesDir) : [];
  assert.deepEqual(files, [], "a shared credentials file (or its phase dir) was left behind");
  assert.deepEqual(sim.secretLeaks(world.vault.issuedSecrets()), [], "a secret leaked");
}

/** A hook that failed closed: exit 1 and exactly one line on stderr matching `pattern`. */
export function assertFailedWith(result: ProcessResult, pattern: RegExp): void {
  assert.equal(
    result.code,
    1,
    `expected exit 1, got ${result.code}; stdout=${result.stdout} stderr=${result.stderr}`,
  );
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `expected one line, got: ${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.match(lines[0], /; check: /, "the line must say what to check");
}
