/**
 * Starting and stopping the keeper (keeper.ts; docs/hooks.md, "The keeper"). The pre hook starts
 * it as its own detached child: a new session (so the agent's kill of the hook's process group
 * does not reach it), stdin/stdout/stderr on /dev/null (so the launcher's command substitution
 * does not wait for it; Node opens every other fd close-on-exec), cwd `/`, and an environment of
 * the state dir only. The post hook stops it only after checking that the recorded pid is still
 * that keeper (same start time, its command line runs the keeper bundle).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { STATE_DIR_VARIABLE } from "./contract";
import { sleep } from "./deadline";
import { HookFailure } from "./failure";
import type { Phase } from "./hook-name";
import { type KeeperRecord, saveKeeperRecord } from "./keeper-record";
import { commandLine, identify, isAlive, type ProcessIdentity } from "./proc";

export const KEEPER_BUNDLE = "tfc-jit-aws-keeper.cjs";

/** The keeper bundle next to the running hook bundle (lib/ of the install dir). */
export function keeperBundle(): string {
  return path.join(__dirname, KEEPER_BUNDLE);
}

export function startKeeper(
  stateDir: string,
  recordFile: string,
  runId: string,
  phase: Phase,
  agent: ProcessIdentity,
  expiresAt: number,
): ProcessIdentity {
  const child = spawn(process.execPath, [keeperBundle(), runId, phase], {
    detached: true,
    stdio: "ignore",
    cwd: "/",
    env: { [STATE_DIR_VARIABLE]: stateDir },
  });
  const keeper = child.pid === undefined ? undefined : identify(child.pid);
  if (keeper === undefined)
    throw new HookFailure(
      "the keeper that renews the credentials could not be started",
      `that ${keeperBundle()} exists and Node can run it as the hooks' user`,
    );
  child.unref();
  // Written before the keeper reads it, so a post hook right after this one always finds it.
  const record: KeeperRecord = { version: 1, keeper, agent, status: "renewing", expiresAt, renewals: 0 };
  saveKeeperRecord(recordFile, record);
  return keeper;
}

function isKeeper(p: ProcessIdentity): boolean {
  return isAlive(p) && commandLine(p.pid).some((a) => a.endsWith(`/${KEEPER_BUNDLE}`));
}

/** Stops the recorded keeper and waits until it is gone (SIGKILL after `graceMs`). */
export async function stopKeeper(record: KeeperRecord, graceMs = 3000): Promise<void> {
  if (!isKeeper(record.keeper)) return;
  process.kill(record.keeper.pid, "SIGTERM");
  const until = Date.now() + graceMs;
  while (isAlive(record.keeper) && Date.now() < until) await sleep(20);
  if (isKeeper(record.keeper)) process.kill(record.keeper.pid, "SIGKILL");
  while (isAlive(record.keeper) && Date.now() < until + 1000) await sleep(20);
}
