/**
 * Revoking a lease, and proving it: `sys/leases/revoke/<lease id>` (sync), then
 * `sys/leases/lookup`, whose 400 "invalid lease" is the only proof that the lease is gone
 * (docs/upstream-behaviour.md, "Vault tokens and leases"). A 204 alone proves nothing: the double
 * and Vault both answer 204 for a lease id they do not know.
 */
import { explainVaultError } from "./explain";
import { formatDuration, HookFailure } from "./failure";
import type { HeldConfiguration } from "./state-file";
import { leaseTtl, revokeLease, revokeSelf } from "./vault-api";
import type { VaultClient } from "./vault-client";

export type Revocation =
  | { readonly gone: true }
  | {
      readonly gone: false;
      /** Why there is no proof: Vault's refusal, or the lease still being there. */
      readonly reason: string;
      /** Remaining TTL from Vault's lookup, when Vault answered it. */
      readonly ttlSeconds?: number;
    };

export async function revokeWithProof(
  vault: VaultClient,
  token: string,
  leaseId: string,
): Promise<Revocation> {
  let revokeProblem: string | undefined;
  try {
    await revokeLease(vault, token, leaseId);
  } catch (err) {
    revokeProblem = explainVaultError(err, `revoking lease ${leaseId}`, "").message.replace(/; check: $/, "");
  }
  let ttl: number | undefined;
  try {
    ttl = await leaseTtl(vault, token, leaseId);
  } catch (err) {
    const lookup = explainVaultError(err, `looking the lease up`, "").message.replace(/; check: $/, "");
    return { gone: false, reason: [revokeProblem, lookup].filter(Boolean).join("; then ") };
  }
  if (ttl === undefined) return { gone: true };
  return {
    gone: false,
    reason: revokeProblem ?? `Vault still lists lease ${leaseId} after revoking it`,
    ttlSeconds: ttl,
  };
}

/** The failure line for a lease that is not proven gone, naming it and how long it stays valid. */
export function notRevoked(
  leaseId: string,
  r: Exclude<Revocation, { gone: true }>,
  fallbackTtlSeconds: number,
): HookFailure {
  const ttl = r.ttlSeconds ?? Math.max(0, fallbackTtlSeconds);
  return new HookFailure(
    `lease ${leaseId} is not confirmed revoked (${r.reason}); it stays valid for up to ${formatDuration(ttl)}`,
    `revoke it by hand (vault lease revoke -sync ${leaseId}, then vault lease lookup ${leaseId}) and check the AWS secrets engine's IAM permissions (iam:DeleteUser, iam:DeleteAccessKey, login profiles on the user)`,
  );
}

/** How revoking one configuration's lease and token went. */
export type HeldRevocation =
  { readonly ok: true; readonly tokenNote: string } | { readonly ok: false; readonly failure: HookFailure };

/**
 * Revokes what one AWS configuration holds: its lease, proven gone (when it has one), then its
 * Vault token (which also takes any lease we did not learn about with it). Never throws.
 */
export async function revokeHeld(vault: VaultClient, held: HeldConfiguration): Promise<HeldRevocation> {
  if (held.lease !== undefined) {
    const r = await revokeWithProof(vault, held.token, held.lease.leaseId);
    if (!r.gone)
      return {
        ok: false,
        failure: notRevoked(held.lease.leaseId, r, (held.lease.expiresAt - Date.now()) / 1000),
      };
  }
  try {
    const self = await revokeSelf(vault, held.token);
    return {
      ok: true,
      tokenNote: self === "already-invalid" ? "Vault token had already expired" : "Vault token revoked",
    };
  } catch (err) {
    return {
      ok: false,
      failure: new HookFailure(
        `${held.lease === undefined ? "the Vault token" : `lease ${held.lease.leaseId} is revoked, but the phase's Vault token`} could not be revoked (${err instanceof Error ? err.message : String(err)}); it can read this phase's credentials until its TTL ends`,
        "Vault's health, then run this hook again (its state is kept) or revoke the token's accessor by hand",
      ),
    };
  }
}
