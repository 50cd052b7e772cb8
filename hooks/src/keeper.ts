/**
 * The keeper (docs/hooks.md, "The keeper"): started by a pre hook for renewable (iam_user)
 * credentials, as the hooks' user, detached (own session, stdio on /dev/null, no other fds). It
 * renews the phase's lease (`sys/leases/renew`) and Vault token (`auth/token/renew-self`) at half
 * their TTL, while the phase's job lives. It stops:
 * - when the post hook stops it (SIGTERM; the post hook then revokes as before), or the hook state
 *   it keeps is gone (the post hook finished, or the state dir went away);
 * - when the agent that ran the pre hook (pid + start time) is gone: it stops renewing and revokes
 *   the lease and token at once (at worst they die at their TTL);
 * - when renewal fails until the credentials expire, or the max TTL stops renewal: it records
 *   that for the post hook (which then exits 1) and exits.
 * It never prints (nobody reads its stdout); everything it has to say goes into its record.
 */
import { Deadline, backoffMs, sleep } from "./deadline";
import { type KeeperRecord, keeperRecordPath, loadKeeperRecord, saveKeeperRecord } from "./keeper-record";
import { identify, isAlive } from "./proc";
import { revokeWithProof } from "./revocation";
import { type IssuedState, loadState, statePath } from "./state-file";
import { renewLease, renewSelf, revokeSelf } from "./vault-api";
import { VaultClient } from "./vault-client";

/** Renew when this share of the granted TTL is left. */
export const RENEW_AT_SHARE = 0.5;

/** How often the keeper looks at the agent and the state: a twentieth of the TTL, 0.1 s to 2 s. */
export function pollMs(ttlSeconds: number): number {
  return Math.min(2000, Math.max(100, (ttlSeconds * 1000) / 20));
}

interface Held {
  expiresAt: number;
  readonly ttlSeconds: number;
  /** Vault granted less than asked: the max TTL is reached, renewing again gains nothing. */
  capped: boolean;
}

function renewed(h: Held, grantedSeconds: number): void {
  h.expiresAt = Date.now() + grantedSeconds * 1000;
  if (grantedSeconds < h.ttlSeconds) h.capped = true;
}

function due(h: Held, now: number): boolean {
  return h.expiresAt - now <= h.ttlSeconds * 1000 * RENEW_AT_SHARE;
}

function sameLease(a: IssuedState | undefined, b: IssuedState): boolean {
  return a !== undefined && a.status === "issued" && a.leaseId === b.leaseId;
}

export async function runKeeper(
  env: NodeJS.ProcessEnv,
  runId: string,
  phase: "plan" | "apply",
): Promise<number> {
  const stateFile = statePath(env, runId, phase);
  const recordFile = keeperRecordPath(stateFile);
  const state = loadState(stateFile);
  const start = loadKeeperRecord(recordFile);
  const self = identify(process.pid);
  if (
    state?.status !== "issued" ||
    start === undefined ||
    self === undefined ||
    start.keeper.pid !== process.pid
  )
    return 2;
  const lease: Held = { expiresAt: state.expiresAt, ttlSeconds: state.leaseSeconds ?? 0, capped: false };
  // A token without a TTL (lease_duration 0: it does not expire) needs no renewal.
  const tokenSeconds = state.tokenSeconds ?? 0;
  const token: Held = {
    expiresAt: tokenSeconds > 0 ? (state.tokenExpiresAt ?? state.expiresAt) : Number.POSITIVE_INFINITY,
    ttlSeconds: tokenSeconds,
    capped: tokenSeconds <= 0,
  };
  if (!(lease.ttlSeconds > 0)) return 2;
  let record: KeeperRecord = {
    ...start,
    keeper: self,
    status: "renewing",
    expiresAt: Math.min(lease.expiresAt, token.expiresAt),
  };
  saveKeeperRecord(recordFile, record);
  const vault = new VaultClient(state.vault, new Deadline(record.expiresAt, "the credentials' expiry"));
  const poll = pollMs(token.ttlSeconds > 0 ? Math.min(lease.ttlSeconds, token.ttlSeconds) : lease.ttlSeconds);
  let failures = 0;
  // The post hook's stop: exit at once (the record is the post hook's to delete; writes are sync).
  process.on("SIGTERM", () => process.exit(0));
  try {
    for (;;) {
      let current: ReturnType<typeof loadState>;
      try {
        current = loadState(stateFile);
      } catch {
        current = undefined;
      }
      // The post hook took over (or the state dir is gone): nothing left to keep.
      if (!sameLease(current as IssuedState | undefined, state)) return 0;
      const now = Date.now();
      if (!isAlive(record.agent)) {
        vault.setDeadline(new Deadline(now + 10_000, "the keeper's cleanup"));
        const r = await revokeWithProof(vault, state.token, state.leaseId);
        await revokeSelf(vault, state.token).catch(() => undefined);
        record = {
          ...record,
          status: "job-gone",
          reason: `the agent (pid ${record.agent.pid}) is gone; ${r.gone ? "lease revoked" : `lease not confirmed revoked (${r.reason})`}`,
          ...(r.gone ? { revokedAt: Date.now() } : {}),
        };
        saveKeeperRecord(recordFile, record);
        return 0;
      }
      if (now >= record.expiresAt) {
        saveKeeperRecord(recordFile, {
          ...record,
          status: "failed",
          reason: record.reason ?? "renewal did not succeed in time",
        });
        return 1;
      }
      const renewToken = !token.capped && due(token, now);
      const renewLeaseNow = !lease.capped && due(lease, now);
      if (renewToken || renewLeaseNow) {
        vault.setDeadline(new Deadline(record.expiresAt, "the credentials' expiry"));
        try {
          // The token first: the lease is renewed with it, and an expired token takes the lease along.
          if (renewToken) renewed(token, await renewSelf(vault, state.token, token.ttlSeconds));
          if (renewLeaseNow)
            renewed(lease, await renewLease(vault, state.token, state.leaseId, lease.ttlSeconds));
          failures = 0;
          record = {
            version: 1,
            keeper: record.keeper,
            agent: record.agent,
            status: record.status,
            expiresAt: Math.min(token.expiresAt, lease.expiresAt),
            renewals: record.renewals + 1,
            // A renewal that worked clears an earlier failure; a cap stays said.
            ...(record.status === "capped" && record.reason !== undefined ? { reason: record.reason } : {}),
          };
          // Vault grants no more than a max TTL: the lease's (mount) or the token's (JWT role) ends
          // them. Until then the keeper still watches the agent, to revoke early if the job dies.
          const cap = lease.capped
            ? "the lease's max TTL"
            : token.capped && token.expiresAt <= lease.expiresAt
              ? "the token's max TTL"
              : undefined;
          if (cap !== undefined && record.status !== "capped")
            record = { ...record, status: "capped", reason: `${cap} (set in Vault) ends them` };
          saveKeeperRecord(recordFile, record);
        } catch (err) {
          failures++;
          record = {
            ...record,
            reason: `renewal failed: ${err instanceof Error ? err.message : String(err)}`,
          };
          saveKeeperRecord(recordFile, record);
          await sleep(
            Math.min(backoffMs(failures, poll, 30_000), Math.max(0, record.expiresAt - Date.now())),
          );
          continue;
        }
      }
      await sleep(poll);
    }
  } finally {
    vault.close();
  }
}
