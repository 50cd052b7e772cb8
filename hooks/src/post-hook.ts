/**
 * terraform-post-plan / terraform-post-apply: revoke the phase's lease (sync) and prove it is gone
 * (a lease lookup answers "invalid lease"), revoke the Vault token, then delete the state. Only
 * that proof is reported as a revocation; anything else exits 1 naming the lease and how long it
 * stays valid, and keeps the state so the hook can be run again. The state lives in a directory
 * run code cannot read or write (state-file.ts), so it cannot be faked or removed.
 */
import { nativeFlowEnabled } from "./contract";
import { Deadline } from "./deadline";
import { formatDuration, HookFailure } from "./failure";
import type { HookKind } from "./hook-name";
import { info, registerSecret } from "./output";
import { notRevoked, revokeWithProof } from "./revocation";
import { stopKeeper } from "./keeper-control";
import { deleteKeeperRecord, type KeeperRecord, keeperRecordPath, loadKeeperRecord } from "./keeper-record";
import { deleteState, loadState, requireRunId, statePath } from "./state-file";
import { isSts, revokeSelf } from "./vault-api";
import { VaultClient } from "./vault-client";

export async function runPostHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Promise<void> {
  const runId = requireRunId(env);
  const file = statePath(env, runId, hook.phase);
  const state = loadState(file);
  if (state === undefined) {
    info(
      nativeFlowEnabled(env)
        ? "TFC_VAULT_BACKED_AWS_AUTH=true: HCP Terraform's native Vault-backed AWS credentials are in charge; nothing to revoke"
        : `nothing to revoke: terraform-pre-${hook.phase} obtained nothing for ${runId} on this agent (it did not run, failed before login, or cleaned up after itself)`,
    );
    return;
  }
  if (state.status === "started") {
    throw new HookFailure(
      `terraform-pre-${hook.phase} did not finish for ${runId} (started ${new Date(state.startedAt).toISOString()}): a Vault token or lease it may have obtained is not known here and ends at its TTL`,
      `the pre hook's lines in the run log, and its Vault role's leases (vault list sys/leases/lookup/<mount>/creds/<role>)`,
    );
  }
  registerSecret(state.token);
  // The keeper goes first, so nothing renews what is about to be revoked.
  const recordFile = keeperRecordPath(file);
  const keeper = loadKeeperRecord(recordFile);
  if (keeper !== undefined) await stopKeeper(keeper);
  const vault = new VaultClient(state.vault, Deadline.hardLimit(hook, env, startedAt));
  try {
    if (keeper?.status === "job-gone" && keeper.revokedAt !== undefined) {
      // The keeper saw the agent gone and revoked (with proof); yet this post hook runs, so the
      // agent it watched was not the job's: the phase ran without credentials from then on.
      deleteState(file);
      deleteKeeperRecord(recordFile);
      throw new HookFailure(
        `the keeper revoked this phase's credentials at ${new Date(keeper.revokedAt).toISOString()}, before terraform-post-${hook.phase} ran: ${keeper.reason ?? "job gone"}`,
        'how the agent starts hooks (docs/hooks.md, "The keeper"): the keeper watches the process that ran the hook launcher',
      );
    }
    const expired = keeper === undefined ? undefined : expiredDuringPhase(keeper, hook.phase);
    if (expired !== undefined) {
      // Vault revokes an expired lease (and an expired token's leases) itself; look anyway.
      const r = await revokeWithProof(vault, state.token, state.leaseId);
      if (!r.gone) {
        // Kept: the hook can be run again once Vault can prove the lease gone.
        const nr = notRevoked(state.leaseId, r, (state.expiresAt - Date.now()) / 1000);
        throw new HookFailure(`${expired.what}; and ${nr.what}`, nr.check);
      }
      await revokeSelf(vault, state.token).catch(() => undefined);
      deleteState(file);
      deleteKeeperRecord(recordFile);
      throw expired;
    }
    const revocation = await revokeWithProof(vault, state.token, state.leaseId);
    if (!revocation.gone) throw notRevoked(state.leaseId, revocation, (state.expiresAt - Date.now()) / 1000);
    let tokenNote: string;
    try {
      tokenNote =
        (await revokeSelf(vault, state.token)) === "already-invalid"
          ? "Vault token had already expired"
          : "Vault token revoked";
    } catch (err) {
      throw new HookFailure(
        `lease ${state.leaseId} is revoked, but the phase's Vault token could not be revoked (${err instanceof Error ? err.message : String(err)}); it can read this phase's credentials until its TTL ends`,
        "Vault's health, then run this hook again (its state is kept) or revoke the token's accessor by hand",
      );
    }
    if (isSts(state.authType)) {
      const left = Math.max(0, (state.expiresAt - Date.now()) / 1000);
      info(
        `${state.authType} credentials (key ${state.maskedKeyId}) cannot be revoked early: they stay valid until ${new Date(state.expiresAt).toISOString()} (${formatDuration(left)} from now); Vault lease ${state.leaseId} closed (lookup confirms), ${tokenNote}`,
      );
    } else {
      info(
        `revoked lease ${state.leaseId} (IAM user and key ${state.maskedKeyId} deleted), ${tokenNote}; Vault's lookup confirms the lease is gone`,
      );
    }
    deleteState(file);
    deleteKeeperRecord(recordFile);
  } finally {
    vault.close();
  }
}

/** The failure to report when the credentials expired before this post hook ran, else undefined. */
function expiredDuringPhase(record: KeeperRecord, phase: string): HookFailure | undefined {
  if (record.expiresAt > Date.now()) return undefined;
  const why =
    record.status === "renewing"
      ? "the keeper stopped renewing them (it was killed or died)"
      : (record.reason ?? record.status);
  return new HookFailure(
    `credentials expired at ${new Date(record.expiresAt).toISOString()}, before terraform-post-${phase} ran: ${why}`,
    "Vault's reachability from the agent and the max TTLs (maxLeaseTtlSeconds, the JWT role's token_max_ttl) against the phase's length; the phase may have failed for lack of AWS credentials",
  );
}
