/**
 * What a pre hook leaves for its post hook: every AWS configuration's Vault token and lease to
 * revoke (docs/hooks.md, "Several AWS configurations"). One file per run and phase in the hooks' state dir, a directory only the hooks' user can read or write (the
 * wrapper fixes its path; the image makes it 0700, owned by that user). Run code runs as another
 * user, so it can neither read the token nor replace or delete the file (docs/hooks.md).
 *
 * The pre hook writes the file when it starts ("started"), again once it holds a lease ("issued"),
 * and deletes it only when nothing it obtained is left. So for the post hook, no file means the
 * pre hook did not run here, and an interrupted or unfinished one is reported, not passed over.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { STATE_DIR_VARIABLE, type AuthType, type VaultTarget } from "./contract";
import { HookFailure } from "./failure";
import { ownedDir } from "./owned-dir";
import type { Phase } from "./hook-name";

export interface StartedState {
  readonly version: 3;
  readonly status: "started";
  readonly runId: string;
  readonly phase: Phase;
  /** Epoch ms the pre hook started. */
  readonly startedAt: number;
}

/** What one AWS configuration of the phase holds: its own Vault token, and its lease once read. */
export interface HeldConfiguration {
  /** Undefined for the default configuration. */
  readonly tag?: string;
  readonly vault: VaultTarget;
  readonly token: string;
  readonly authType: AuthType;
  readonly awsRole: string;
  /** The token's granted TTL (0: none) and its expiry. */
  readonly tokenSeconds: number;
  readonly tokenExpiresAt?: number;
  /** Set once the credentials are read. */
  readonly lease?: HeldLease;
}

export interface HeldLease {
  readonly leaseId: string;
  /** The lease's granted TTL. */
  readonly leaseSeconds: number;
  /** Epoch ms when the credentials expire (lease TTL; the STS credentials' lifetime). */
  readonly expiresAt: number;
  readonly maskedKeyId: string;
}

/** Written as soon as any configuration holds a lease; lists every token and lease of the phase. */
export interface IssuedState {
  readonly version: 3;
  readonly status: "issued";
  readonly runId: string;
  readonly phase: Phase;
  readonly configurations: readonly HeldConfiguration[];
  /** The phase's shared credentials files' dir (credentials-files.ts), deleted with the leases. */
  readonly credentialsDir: string;
}

export type SavedState = StartedState | IssuedState;

const RUN_ID = /^run-[A-Za-z0-9]+$/;

/** The private state dir, checked: owned by this process's user and closed to everyone else. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return ownedDir(env, {
    variable: STATE_DIR_VARIABLE,
    name: "state",
    purpose: "private place for the lease",
    forbiddenMode: 0o077,
    notOwned: "not private to the hooks' user",
    imageMode: "0700",
  });
}

export function requireRunId(env: NodeJS.ProcessEnv): string {
  const runId = env.TFC_RUN_ID?.trim() ?? "";
  if (!RUN_ID.test(runId)) {
    throw new HookFailure(
      runId === "" ? "TFC_RUN_ID is not set" : "TFC_RUN_ID is not a run id (run-...)",
      "run the hooks under tfc-agent, which sets TFC_RUN_ID for every run",
    );
  }
  return runId;
}

export function statePath(env: NodeJS.ProcessEnv, runId: string, phase: Phase): string {
  if (!RUN_ID.test(runId)) throw new HookFailure(`"${runId}" is not a run id`, "the caller");
  return path.join(stateDir(env), `${runId}-${phase}.json`);
}

/** Written whole (temporary file, fsync, rename), 0600. */
export function saveState(file: string, state: SavedState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(state));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function isHeld(c: Partial<HeldConfiguration>): boolean {
  return (
    typeof c.token === "string" &&
    typeof c.vault?.address === "string" &&
    typeof c.authType === "string" &&
    (c.lease === undefined ||
      (typeof c.lease.leaseId === "string" &&
        typeof c.lease.expiresAt === "number" &&
        typeof c.lease.maskedKeyId === "string"))
  );
}

function isIssued(s: Partial<IssuedState>): boolean {
  return (
    Array.isArray(s.configurations) &&
    s.configurations.length > 0 &&
    s.configurations.every((c) => isHeld(c as Partial<HeldConfiguration>)) &&
    typeof s.credentialsDir === "string"
  );
}

/** The saved state; undefined when there is none. Anything unreadable or malformed is an error. */
export function loadState(file: string): SavedState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new HookFailure(
      `cannot read the pre hook's state ${file} (${(err as NodeJS.ErrnoException).code ?? "error"}), so its lease cannot be revoked`,
      "that the hooks run as the hooks' user through their launcher; the lease, if any, ends at its TTL",
    );
  }
  let state: Omit<Partial<IssuedState>, "status"> & { status?: string };
  try {
    state = JSON.parse(text) as Partial<IssuedState>;
  } catch {
    state = {};
  }
  const ok =
    state.version === 3 &&
    ((state.status === "started" && typeof (state as Partial<StartedState>).startedAt === "number") ||
      (state.status === "issued" && isIssued(state as Partial<IssuedState>)));
  if (!ok) {
    throw new HookFailure(
      `${file} is not a state file this hook wrote (kept for inspection), so no lease can be revoked from it`,
      "what else writes to the hooks' state dir; the lease, if any, ends at its TTL",
    );
  }
  return state as unknown as SavedState;
}

export function deleteState(file: string): void {
  fs.rmSync(file, { force: true });
}
