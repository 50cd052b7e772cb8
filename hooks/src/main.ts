/**
 * The hooks' one entry point. The agent runs `terraform-{pre,post}-{plan,apply}` from its hooks
 * directory; each is a tiny launcher that loads this bundle, which dispatches on the name it was
 * invoked as. Exit status is the interface: 0 lets the run go on, 1 stops it (fail closed).
 */
import { HookFailure } from "./failure";
import { hookFromPath } from "./hook-name";
import { fail, setPrefix } from "./output";
import { runPostHook } from "./post-hook";
import { runPreHook } from "./pre-hook";

async function main(invokedAs: string): Promise<number> {
  const startedAt = Date.now();
  // TLS is never switched off: Node would honour this (for Vault and STS) if a workspace set it.
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const hook = hookFromPath(invokedAs);
  if (!hook) {
    fail(
      `invoked as "${invokedAs}"; check: install this file as terraform-pre-plan, terraform-post-plan, terraform-pre-apply or terraform-post-apply`,
    );
    return 2;
  }
  setPrefix(hook.name);
  try {
    if (hook.stage === "pre") await runPreHook(hook, process.env, startedAt);
    else await runPostHook(hook, process.env, startedAt);
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

/**
 * Runs the hook named by `invokedAs` (the launcher's own path) and sets the exit status. Loading
 * this module runs nothing, so the image build can load it once to fill the compile cache.
 */
export function run(invokedAs: string): void {
  void main(invokedAs).then((code) => {
    process.exitCode = code;
  });
}
