/**
 * terraform-post-plan / terraform-post-apply: revoke the phase's lease (sync), confirm it is gone,
 * revoke the Vault token, delete the state file. Runs whether Terraform succeeded or not; running
 * it twice is harmless (the second run finds no state). A lease that cannot be revoked fails the
 * hook with its id and remaining TTL, so nobody misses it.
 */
import { Deadline } from "./deadline";
import { explainVaultError } from "./explain";
import { formatDuration, HookFailure } from "./failure";
import type { HookKind } from "./hook-name";
import { info, registerSecret } from "./output";
import { deleteState, loadState, requireRunId, type SavedState, statePath } from "./state-file";
import { isSts, leaseTtl, revokeLease, revokeSelf } from "./vault-api";
import { VaultCallError, VaultClient } from "./vault-client";

export async function runPostHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Promise<void> {
  const runId = requireRunId(env);
  const file = statePath(env, runId, hook.phase);
  let state: SavedState | undefined;
  try {
    state = loadState(file);
  } catch (err) {
    deleteState(file);
    throw err;
  }
  if (state === undefined) {
    info(
      `no credentials from terraform-pre-${hook.phase} to revoke (the pre hook failed, stood down, or this hook already ran)`,
    );
    return;
  }
  registerSecret(state.token);
  const vault = new VaultClient(state.vault, Deadline.hardLimit(hook, env, startedAt));
  let leaseProblem: HookFailure | undefined;
  let refused = false;
  try {
    try {
      await revokeLease(vault, state.token, state.leaseId);
    } catch (err) {
      refused = err instanceof VaultCallError && err.status === 403;
      const explained = asFailure(
        explainVaultError(err, `revoking lease ${state.leaseId}`, revokeCheck(state)),
      );
      // Whatever the cause, the user must also know how to finish the job by hand.
      leaseProblem =
        explained.check === revokeCheck(state)
          ? explained
          : new HookFailure(
              explained.what,
              `${explained.check}; then revoke it by hand: vault lease revoke -sync ${state.leaseId}`,
            );
    }
    // Confirm, rather than trust the 204: a lease that is still there is what matters.
    let remaining: number | undefined;
    try {
      remaining = await leaseTtl(vault, state.token, state.leaseId);
    } catch {
      remaining = leaseProblem ? Math.max(0, (state.expiresAt - Date.now()) / 1000) : undefined;
    }
    if (remaining !== undefined) {
      const what = leaseProblem?.what ?? `lease ${state.leaseId} is still live after revocation`;
      leaseProblem = new HookFailure(
        `${what}; it stays valid for up to ${formatDuration(remaining)}`,
        leaseProblem?.check ?? revokeCheck(state),
      );
    }
    let tokenNote = "";
    let tokenGone = false;
    try {
      tokenGone = (await revokeSelf(vault, state.token)) === "already-invalid";
      tokenNote = tokenGone ? "Vault token had already expired" : "Vault token revoked";
    } catch {
      tokenNote = "Vault token could not be revoked (it ends at its TTL)";
    }
    if (refused && tokenGone) {
      // The phase outlived the token's TTL: Vault revoked the token's leases when it expired.
      info(
        `the Vault token had already expired, and Vault revoked lease ${state.leaseId} with it (key ${state.maskedKeyId}); to double-check: vault lease lookup ${state.leaseId}`,
      );
      return;
    }
    if (leaseProblem) throw new HookFailure(`${leaseProblem.what} (${tokenNote})`, leaseProblem.check);
    if (isSts(state.authType)) {
      const left = Math.max(0, (state.expiresAt - Date.now()) / 1000);
      info(
        `${state.authType} credentials (key ${state.maskedKeyId}) cannot be revoked early: they stay valid until ${new Date(state.expiresAt).toISOString()} (${formatDuration(left)} from now); Vault lease closed, ${tokenNote}`,
      );
    } else {
      info(`revoked lease ${state.leaseId} (IAM user and key ${state.maskedKeyId} deleted), ${tokenNote}`);
    }
  } finally {
    vault.close();
    // Whatever happened, the token must not outlive the phase on disk; Vault revokes a revoked
    // token's leases, and the TTL bounds the rest.
    deleteState(file);
  }
}

function asFailure(err: Error): HookFailure {
  return err instanceof HookFailure ? err : new HookFailure(err.message, "the Vault server log");
}

function revokeCheck(state: SavedState): string {
  return `revoke it by hand (vault lease revoke -sync ${state.leaseId}) and check the AWS secrets engine's IAM permissions (iam:DeleteUser, iam:DeleteAccessKey, login profiles on the user)`;
}
