/**
 * Hands credentials to Terraform: `KEY=value` lines appended to `$TFC_AGENT_ENV`, which the agent
 * applies to the next Terraform command of this operation only (agent >= 1.9).
 */
import * as fs from "node:fs";
import { HookFailure } from "./failure";

export function appendAgentEnv(file: string, vars: Readonly<Record<string, string>>): void {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (/[\r\n]/.test(v))
      throw new HookFailure(
        `${k} has a line break and cannot be passed to Terraform`,
        "the Vault AWS secrets engine's answer",
      );
    return `${k}=${v}\n`;
  });
  try {
    fs.appendFileSync(file, lines.join(""), { mode: 0o600 });
  } catch (err) {
    throw new HookFailure(
      `cannot append to TFC_AGENT_ENV (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      "that the agent's TFC_AGENT_ENV file is writable by the hook's user",
    );
  }
}
