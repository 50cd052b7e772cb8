/**
 * Hands credentials back to the launcher: `KEY=value` lines on stdout, after everything else the
 * hook prints and only on success. The launcher (running as the agent user, which owns
 * `$TFC_AGENT_ENV`) appends exactly these lines to that file; the agent applies them to the next
 * Terraform command of this operation only (agent >= 1.9). See docs/hooks.md, "Privilege separation".
 */
import { HookFailure } from "./failure";

/** The only names a launcher appends to `$TFC_AGENT_ENV`; any other line is printed to the run log. */
export const HANDED_BACK = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "TFC_WORKLOAD_IDENTITY_TOKEN",
  "AWS_SHARED_CREDENTIALS_FILE",
  "TF_VAR_tfc_vault_backed_aws_dynamic_credentials",
] as const;

/** Name patterns (sh `case` globs) a launcher also appends: the tagged workload identity tokens, emptied. */
export const HANDED_BACK_PATTERNS = ["TFC_WORKLOAD_IDENTITY_TOKEN_*"] as const;

/** Whether a launcher hands `name` back: one of HANDED_BACK, or a tagged workload identity token. */
export function handedBack(name: string): boolean {
  return (
    (HANDED_BACK as readonly string[]).includes(name) ||
    /^TFC_WORKLOAD_IDENTITY_TOKEN_[A-Za-z0-9_]+$/.test(name)
  );
}

/** `KEY=value` lines, in order; a name the launcher would not pass on, or a line break, is a bug here. */
export function credentialLines(vars: ReadonlyArray<readonly [string, string]>): string {
  return vars
    .map(([k, v]) => {
      if (!handedBack(k)) throw new Error(`${k} is not a name a launcher hands back`);
      if (/[\r\n]/.test(v))
        throw new HookFailure(
          `${k} has a line break and cannot be passed to Terraform`,
          "the Vault AWS secrets engine's answer",
        );
      return `${k}=${v}\n`;
    })
    .join("");
}
