/**
 * The keeper's own record, next to the hook state in the private state dir and keyed the same way
 * (`<run id>-<phase>.keeper.json`), so two phases on one agent never share a keeper. Only the
 * keeper writes it (whole, by rename) and only the post hook deletes it, after the keeper is gone:
 * the hook state itself is never written by the keeper, so a late keeper write cannot bring back a
 * state the post hook already removed.
 */
import * as fs from "node:fs";
import type { ProcessIdentity } from "./proc";

export type KeeperStatus =
  /** Renewing; `expiresAt` is the earlier of the lease's and the token's expiry. */
  | "renewing"
  /** A max TTL stops renewal: the credentials end at `expiresAt`; the agent is still watched. */
  | "capped"
  /** Renewal failed or reached the max TTL: the credentials expired (or expire) at `expiresAt`. */
  | "failed"
  /** The job's agent is gone: the keeper stopped renewing and revoked what it could. */
  | "job-gone";

export interface KeeperRecord {
  readonly version: 1;
  readonly keeper: ProcessIdentity;
  readonly agent: ProcessIdentity;
  readonly status: KeeperStatus;
  /** Epoch ms the credentials expire unless renewed again. */
  readonly expiresAt: number;
  readonly renewals: number;
  /** Epoch ms the keeper revoked the lease, proven gone by a lookup ("job-gone" only). */
  readonly revokedAt?: number;
  /** Why it stopped ("failed", "job-gone"); never holds a secret. */
  readonly reason?: string;
}

export const keeperRecordPath = (stateFile: string): string => stateFile.replace(/\.json$/, ".keeper.json");

export function saveKeeperRecord(file: string, record: KeeperRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600, flag: "w" });
  fs.renameSync(tmp, file);
}

/** The record, or undefined when there is none or it is not one the keeper wrote. */
export function loadKeeperRecord(file: string): KeeperRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<KeeperRecord>;
    if (
      r.version === 1 &&
      typeof r.keeper?.pid === "number" &&
      typeof r.agent?.pid === "number" &&
      typeof r.expiresAt === "number" &&
      typeof r.status === "string"
    )
      return r as KeeperRecord;
  } catch {
    // missing or unreadable: no keeper to speak of
  }
  return undefined;
}

export function deleteKeeperRecord(file: string): void {
  fs.rmSync(file, { force: true });
}
