/**
 * terraform-post-plan / terraform-post-apply: for every AWS configuration of the phase, revoke its
 * lease (sync) and prove it is gone (a lease lookup answers "invalid lease"), revoke its Vault
 * token; delete the phase's shared credentials files, then the state. Only that proof is reported
 * as a revocation; anything else exits 1 naming the configuration, the lease and how long it stays
 * valid, and keeps the state of what is not proven gone so the hook can be run again. The state
 * lives in a directory run code cannot read or write (state-file.ts), so it cannot be faked or removed.
 */
import { configurationLabel, flowInCharge } from "./aws-configurations";
import { deleteCredentialsFiles, phaseCredentialsDir } from "./credentials-files";
import { Deadline } from "./deadline";
import { formatDuration, HookFailure } from "./failure";
import type { HookKind } from "./hook-name";
import { info, registerSecret } from "./output";
import { notRevoked, revokeHeld, revokeWithProof } from "./revocation";
import { stopKeeper } from "./keeper-control";
import { deleteKeeperRecord, type KeeperRecord, keeperRecordPath, loadKeeperRecord } from "./keeper-record";
import {
  deleteState,
  type HeldConfiguration,
  loadState,
  requireRunId,
  saveState,
  statePath,
} from "./state-file";
import { isSts, revokeSelf } from "./vault-api";
import { VaultClient } from "./vault-client";

export async function runPostHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Promise<void> {
  const runId = requireRunId(env);
  const file = statePath(env, runId, hook.phase);
  const state = loadState(file);
  if (state === undefined || state.status === "started") {
    // Nothing can be in them without an issued state, but leave nothing behind either way.
    try {
      deleteCredentialsFiles(phaseCredentialsDir(env, runId, hook.phase));
    } catch {
      // no credentials dir: nothing was written there
    }
  }
  if (state === undefined) {
    let native = false;
    try {
      native = flowInCharge(env) === "native";
    } catch {
      // mixed flows: the pre hook said so and obtained nothing
    }
    info(
      native
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
  const configurations = state.configurations;
  for (const c of configurations) registerSecret(c.token);
  const tagged = configurations.some((c) => c.tag !== undefined);
  const label = (c: HeldConfiguration): string => (tagged ? `${configurationLabel(c.tag)}: ` : "");
  // The keeper goes first, so nothing renews what is about to be revoked.
  const recordFile = keeperRecordPath(file);
  const keeper = loadKeeperRecord(recordFile);
  if (keeper !== undefined) await stopKeeper(keeper);
  deleteCredentialsFiles(state.credentialsDir);
  const deadline = Deadline.hardLimit(hook, env, startedAt);
  const clients = configurations.map((c) => new VaultClient(c.vault, deadline));
  const done = (): void => {
    deleteState(file);
    deleteKeeperRecord(recordFile);
  };
  try {
    if (keeper?.status === "job-gone" && keeper.revokedAt !== undefined) {
      // The keeper saw the agent gone and revoked (with proof); yet this post hook runs, so the
      // agent it watched was not the job's: the phase ran without credentials from then on.
      done();
      throw new HookFailure(
        `the keeper revoked this phase's credentials at ${new Date(keeper.revokedAt).toISOString()}, before terraform-post-${hook.phase} ran: ${keeper.reason ?? "job gone"}`,
        'how the agent starts hooks (docs/hooks.md, "The keeper"): the keeper watches the process that ran the hook launcher',
      );
    }
    const expired = keeper === undefined ? undefined : expiredDuringPhase(keeper, hook.phase);
    if (expired !== undefined) {
      // Vault revokes an expired lease (and an expired token's leases) itself; look anyway.
      for (const [i, c] of configurations.entries()) {
        if (c.lease === undefined) continue;
        const r = await revokeWithProof(clients[i], c.token, c.lease.leaseId);
        if (!r.gone) {
          // Kept: the hook can be run again once Vault can prove the lease gone.
          const nr = notRevoked(c.lease.leaseId, r, (c.lease.expiresAt - Date.now()) / 1000);
          throw new HookFailure(`${expired.what}; and ${label(c)}${nr.what}`, nr.check);
        }
      }
      await Promise.all(configurations.map((c, i) => revokeSelf(clients[i], c.token).catch(() => undefined)));
      done();
      throw expired;
    }
    const outcomes = await Promise.all(configurations.map((c, i) => revokeHeld(clients[i], c)));
    const failed: Array<{ c: HeldConfiguration; failure: HookFailure }> = [];
    outcomes.forEach((o, i) => {
      const c = configurations[i];
      if (!o.ok) failed.push({ c, failure: o.failure });
      else info(label(c) + revokedLine(c, o.tokenNote));
    });
    if (failed.length === 0) return done();
    // Only what is not proven revoked stays, for the next attempt.
    saveState(file, { ...state, configurations: failed.map((f) => f.c) });
    throw new HookFailure(
      failed.map((f) => label(f.c) + f.failure.what).join("; and "),
      failed[0].failure.check,
    );
  } finally {
    for (const v of clients) v.close();
  }
}

function revokedLine(c: HeldConfiguration, tokenNote: string): string {
  if (c.lease === undefined) return `${tokenNote} (it held no lease yet)`;
  if (isSts(c.authType)) {
    const left = Math.max(0, (c.lease.expiresAt - Date.now()) / 1000);
    return `${c.authType} credentials (key ${c.lease.maskedKeyId}) cannot be revoked early: they stay valid until ${new Date(c.lease.expiresAt).toISOString()} (${formatDuration(left)} from now); Vault lease ${c.lease.leaseId} closed (lookup confirms), ${tokenNote}`;
  }
  return `revoked lease ${c.lease.leaseId} (IAM user and key ${c.lease.maskedKeyId} deleted), ${tokenNote}; Vault's lookup confirms the lease is gone`;
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
