/**
 * The hooks' own directories (state, credentials files): named by a variable the root-owned
 * wrapper sets, and checked before use: a directory, owned by this process's user, and with none
 * of `forbiddenMode`'s bits (docs/hooks.md, "Privilege separation").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { HookFailure } from "./failure";

export interface OwnedDirRule {
  /** The wrapper's variable naming the directory. */
  readonly variable: string;
  /** "state", "credentials": used in every message. */
  readonly name: string;
  /** What the directory is for, when the variable is missing. */
  readonly purpose: string;
  readonly forbiddenMode: number;
  /** The failed check, in words, and the mode the image gives it. */
  readonly notOwned: string;
  readonly imageMode: string;
}

export function ownedDir(env: NodeJS.ProcessEnv, rule: OwnedDirRule): string {
  const dir = env[rule.variable]?.trim() ?? "";
  if (!path.isAbsolute(dir))
    throw new HookFailure(
      `${rule.variable} is not set, so there is no ${rule.purpose}`,
      "that the hook is started by its launcher (the image's hooks directory), not directly",
    );
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    throw new HookFailure(
      `the hooks' ${rule.name} dir ${dir} is missing (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      `that the agent image's start script ran (it creates the ${rule.name} dir for the hooks' user)`,
    );
  }
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & rule.forbiddenMode) !== 0)
    throw new HookFailure(
      `the hooks' ${rule.name} dir ${dir} is ${rule.notOwned} (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`,
      `that the image made it mode ${rule.imageMode}, owned by the hooks' user, and that nothing else changed it`,
    );
  return dir;
}
