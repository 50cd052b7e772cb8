/**
 * What a pre hook leaves for its post hook: the Vault token and lease to revoke. One file per run
 * and phase (`$HOME/.tfc-jit-aws/<run id>-<phase>.json`), directory 0700, file 0600, written
 * atomically, deleted by the post hook whatever happens. The token in it is the only secret that
 * touches disk, for the duration of the phase; it can do nothing but read this phase's credentials.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AuthType, VaultTarget } from "./contract";
import { HookFailure } from "./failure";
import type { Phase } from "./hook-name";

export interface SavedState {
  readonly version: 1;
  readonly runId: string;
  readonly phase: Phase;
  readonly vault: VaultTarget;
  readonly token: string;
  readonly leaseId: string;
  readonly authType: AuthType;
  readonly awsRole: string;
  /** Epoch ms when the credentials expire (lease TTL; the STS credentials' lifetime). */
  readonly expiresAt: number;
  readonly maskedKeyId: string;
}

const RUN_ID = /^run-[A-Za-z0-9]+$/;

export function stateDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME?.trim();
  if (!home)
    throw new HookFailure(
      "HOME is not set, so there is nowhere private to keep the lease for the post hook",
      "run the hooks under tfc-agent, which sets HOME",
    );
  return path.join(home, ".tfc-jit-aws");
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
  return path.join(stateDir(env), `${runId}-${phase}.json`);
}

export function saveState(file: string, state: SavedState): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir keeps an existing directory's mode: make sure it is private anyway.
  fs.chmodSync(dir, 0o700);
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

/** The saved state, undefined when there is none; throws when the file is not ours. */
export function loadState(file: string): SavedState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new HookFailure(
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      "that the hooks run as the same user as the pre hook",
    );
  }
  let state: Partial<SavedState>;
  try {
    state = JSON.parse(text) as Partial<SavedState>;
  } catch {
    state = {};
  }
  if (
    state.version !== 1 ||
    typeof state.token !== "string" ||
    typeof state.leaseId !== "string" ||
    typeof state.vault?.address !== "string"
  ) {
    throw new HookFailure(
      `${file} is not a state file this hook wrote (deleted it)`,
      "that nothing else writes to ~/.tfc-jit-aws; the lease, if any, ends at its TTL",
    );
  }
  return state as SavedState;
}

export function deleteState(file: string): void {
  fs.rmSync(file, { force: true });
}
