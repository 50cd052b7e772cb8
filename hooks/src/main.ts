/**
 * What every hook bundle runs. Each of `terraform-{pre,post}-{plan,apply}` is its own bundle
 * (hooks/build.mjs), started by the root-owned wrapper as the hooks' user, with only the hook
 * variables in its environment (docs/hooks.md, "Privilege separation"). Exit status is the
 * interface: 0 lets the run go on, 1 stops it (fail closed).
 */
import { HookFailure } from "./failure";
import { hookFromPath, type HookKind } from "./hook-name";
import { fail, setPrefix } from "./output";

export type HookWork = (hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number) => Promise<void>;

async function main(name: string, work: HookWork): Promise<number> {
  const startedAt = Date.now();
  // TLS is never switched off: Node would honour this (for Vault and STS) if it were ever set.
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const hook = hookFromPath(name);
  if (!hook) {
    fail(`"${name}" is not a hook name; check: the hooks build (hooks/build.mjs)`);
    return 2;
  }
  setPrefix(hook.name);
  try {
    await work(hook, process.env, startedAt);
    return 0;
  } catch (err) {
    if (err instanceof HookFailure) fail(err.message);
    else
      fail(
        `unexpected error: ${err instanceof Error ? err.message : String(err)}; check: the hook's environment, and report this`,
      );
    return 1;
  }
}

/** Runs one hook and sets the exit status. */
export function run(name: string, work: HookWork): void {
  void main(name, work).then((code) => {
    process.exitCode = code;
  });
}
