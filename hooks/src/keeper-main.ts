/**
 * Entry of the keeper bundle (lib/tfc-jit-aws-keeper.cjs): `node <bundle> <run id> <plan|apply>`,
 * started by a pre hook with only the state dir in its environment. No secret is on its command
 * line (which any user can read in /proc); it reads them from the private state dir.
 */
import { runKeeper } from "./keeper";

export function keeperMain(argv: readonly string[]): void {
  const [runId, phase] = argv;
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  if (runId === undefined || (phase !== "plan" && phase !== "apply")) {
    process.exitCode = 2;
    return;
  }
  runKeeper(process.env, runId, phase).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 1),
  );
}
