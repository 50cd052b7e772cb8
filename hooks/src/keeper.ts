/**
 * The keeper (docs/hooks.md, "The keeper"): started by a pre hook for renewable (iam_user)
 * credentials, as the hooks' user, detached (own session, stdio on /dev/null, no other fds). It
 * renews every renewable lease of the phase (`sys/leases/renew`) and its configuration's Vault
 * token (`auth/token/renew-self`), each against its own Vault, at half their TTL, while the
 * phase's job lives. It stops:
 * - when the post hook stops it (SIGTERM; the post hook then revokes as before), or the hook state
 *   it keeps is gone (the post hook finished, or the state dir went away);
 * - when the agent that ran the pre hook (pid + start time) is gone: it stops renewing and revokes
 *   every lease and token of the phase at once and deletes its shared credentials files (at worst
 *   they die at their TTL);
 * - when renewal fails until the credentials expire, or the max TTL stops renewal: it records
 *   that for the post hook (which then exits 1) and exits.
 * It never prints (nobody reads its stdout); everything it has to say goes into its record.
 */
import { Deadline, backoffMs, sleep } from "./deadline";
import { type KeeperRecord, keeperRecordPath, loadKeeperRecord, saveKeeperRecord } from "./keeper-record";
import { identify, isAlive } from "./proc";
import { deleteCredentialsFiles } from "./credentials-files";
import { revokeHeld } from "./revocation";
import {
  type HeldConfiguration,
  type HeldLease,
  type IssuedState,
  loadState,
  type SavedState,
  statePath,
} from "./state-file";
import { isSts, renewLease, renewSelf } from "./vault-api";
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

/** The leases the keeper was started for are still the state's: the post hook has not taken over. */
function sameLeases(a: SavedState | undefined, b: IssuedState): boolean {
  if (a?.status !== "issued") return false;
  const ids = (s: IssuedState): string => s.configurations.map((c) => c.lease?.leaseId ?? "").join(" ");
  return ids(a) === ids(b);
}

/** One renewable configuration: its lease and its token, renewed with its own Vault. */
interface Kept {
  readonly held: HeldConfiguration & { readonly lease: HeldLease };
  readonly vault: VaultClient;
  readonly lease: Held;
  readonly token: Held;
}

function kept(held: HeldConfiguration & { readonly lease: HeldLease }, deadline: Deadline): Kept {
  // A token without a TTL (lease_duration 0: it does not expire) needs no renewal.
  const tokenSeconds = held.tokenSeconds;
  return {
    held,
    vault: new VaultClient(held.vault, deadline),
    lease: { expiresAt: held.lease.expiresAt, ttlSeconds: held.lease.leaseSeconds, capped: false },
    token: {
      expiresAt: tokenSeconds > 0 ? (held.tokenExpiresAt ?? held.lease.expiresAt) : Number.POSITIVE_INFINITY,
      ttlSeconds: tokenSeconds,
      capped: tokenSeconds <= 0,
    },
  };
}

const ends = (k: Kept): number => Math.min(k.lease.expiresAt, k.token.expiresAt);

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
  const renewable = state.configurations.filter(
    (c): c is HeldConfiguration & { lease: HeldLease } =>
      c.lease !== undefined && !isSts(c.authType) && c.lease.leaseSeconds > 0,
  );
  if (renewable.length === 0) return 2;
  const firstEnd = Math.min(
    ...renewable.map((c) => Math.min(c.lease.expiresAt, c.tokenExpiresAt ?? Infinity)),
  );
  const items = renewable.map((c) => kept(c, new Deadline(firstEnd, "the credentials' expiry")));
  // Every configuration of the phase, STS ones included, for the revocation when the job is gone.
  const everyone = state.configurations.map((c) => ({
    held: c,
    vault: items.find((k) => k.held === c)?.vault ?? new VaultClient(c.vault, new Deadline(firstEnd, "")),
  }));
  let record: KeeperRecord = {
    ...start,
    keeper: self,
    status: "renewing",
    expiresAt: Math.min(...items.map(ends)),
  };
  saveKeeperRecord(recordFile, record);
  const shortest = Math.min(
    ...items.map((k) =>
      k.token.ttlSeconds > 0 ? Math.min(k.lease.ttlSeconds, k.token.ttlSeconds) : k.lease.ttlSeconds,
    ),
  );
  const poll = pollMs(shortest);
  let failures = 0;
  // The post hook's stop: exit at once (the record is the post hook's to delete; writes are sync).
  process.on("SIGTERM", () => process.exit(0));
  try {
    for (;;) {
      let current: SavedState | undefined;
      try {
        current = loadState(stateFile);
      } catch {
        current = undefined;
      }
      // The post hook took over (or the state dir is gone): nothing left to keep.
      if (!sameLeases(current, state)) return 0;
      const now = Date.now();
      if (!isAlive(record.agent)) {
        const cleanup = new Deadline(now + 10_000, "the keeper's cleanup");
        for (const e of everyone) e.vault.setDeadline(cleanup);
        deleteCredentialsFiles(state.credentialsDir);
        const outcomes = await Promise.all(everyone.map((e) => revokeHeld(e.vault, e.held)));
        const problems = outcomes.flatMap((o) => (o.ok ? [] : [o.failure.what]));
        record = {
          ...record,
          status: "job-gone",
          reason: `the agent (pid ${record.agent.pid}) is gone; ${problems.length === 0 ? "lease revoked" : `lease not confirmed revoked (${problems.join("; ")})`}`,
          ...(problems.length === 0 ? { revokedAt: Date.now() } : {}),
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
      const dueNow = items.filter(
        (k) => (!k.token.capped && due(k.token, now)) || (!k.lease.capped && due(k.lease, now)),
      );
      if (dueNow.length > 0) {
        try {
          for (const k of dueNow) {
            k.vault.setDeadline(new Deadline(ends(k), "the credentials' expiry"));
            const renewToken = !k.token.capped && due(k.token, now);
            const renewLeaseNow = !k.lease.capped && due(k.lease, now);
            // The token first: the lease is renewed with it, and an expired token takes the lease along.
            if (renewToken) renewed(k.token, await renewSelf(k.vault, k.held.token, k.token.ttlSeconds));
            if (renewLeaseNow)
              renewed(
                k.lease,
                await renewLease(k.vault, k.held.token, k.held.lease.leaseId, k.lease.ttlSeconds),
              );
          }
          failures = 0;
          record = {
            version: 1,
            keeper: record.keeper,
            agent: record.agent,
            status: record.status,
            expiresAt: Math.min(...items.map(ends)),
            renewals: record.renewals + 1,
            // A renewal that worked clears an earlier failure; a cap stays said.
            ...(record.status === "capped" && record.reason !== undefined ? { reason: record.reason } : {}),
          };
          // Vault grants no more than a max TTL: the lease's (mount) or the token's (JWT role) ends
          // them. Until then the keeper still watches the agent, to revoke early if the job dies.
          const cap = items
            .map((k) =>
              k.lease.capped
                ? "the lease's max TTL"
                : k.token.capped && k.token.expiresAt <= k.lease.expiresAt
                  ? "the token's max TTL"
                  : undefined,
            )
            .find((c) => c !== undefined);
          if (cap !== undefined && record.status !== "capped")
            record = { ...record, status: "capped", reason: `${cap} (set in Vault) ends them` };
          saveKeeperRecord(recordFile, record);
        } catch (err) {
          failures++;
          record = {
            ...record,
            expiresAt: Math.min(...items.map(ends)),
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
    for (const e of everyone) e.vault.close();
  }
}
