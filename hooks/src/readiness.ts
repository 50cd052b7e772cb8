/**
 * Waits until AWS accepts freshly issued credentials. New iam_user keys are eventually consistent
 * (docs/upstream-behaviour.md): they fail with InvalidClientTokenId for a few seconds, and can flap, so iam_user
 * needs 3 consecutive successes; STS-type credentials work at once (1 success). Failures back off
 * (jittered, capped at 1 s so the wait overshoots IAM's delay by at most one step) until the
 * hook's deadline.
 */
import { backoffMs, type Deadline, sleep } from "./deadline";
import { HookFailure } from "./failure";
import { createProbe, type ProbeCredentials } from "./sts-probe";

export const PROBE_BASE_MS = 200;
export const PROBE_CAP_MS = 1000;
/** Spacing between the consecutive successes iam_user needs. */
export const CONFIRM_GAP_MS = 100;
/** Errors that mean "not (yet) usable": retried. Anything else (ExpiredToken...) fails at once. */
const RETRYABLE = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "TimeoutError",
  "AbortError",
  "ThrottlingException",
  "Throttling",
  "RequestTimeout",
  "ServiceUnavailable",
  "InternalFailure",
  "NetworkingError",
  "ECONNREFUSED",
  "ECONNRESET",
  "UnknownError",
]);

/** The region the probe signs for: AWS_REGION, then AWS_DEFAULT_REGION, as the SDKs read them. */
export function probeRegion(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || "us-east-1";
}

export interface Readiness {
  readonly elapsedMs: number;
  readonly probes: number;
  readonly arn: string;
}

export async function waitUntilUsable(
  credentials: ProbeCredentials,
  successesNeeded: number,
  deadline: Deadline,
  env: NodeJS.ProcessEnv,
): Promise<Readiness> {
  const region = probeRegion(env);
  const started = Date.now();
  const probe = createProbe(credentials, region, env);
  let streak = 0;
  let failures = 0;
  let probes = 0;
  let last = "no probe ran";
  try {
    for (;;) {
      const remaining = deadline.remainingMs();
      if (remaining <= 0) break;
      probes++;
      const result = await probe.callerIdentity(Math.min(5000, remaining));
      if (result.ok) {
        streak++;
        if (streak >= successesNeeded) return { elapsedMs: Date.now() - started, probes, arn: result.detail };
        await sleep(Math.min(CONFIRM_GAP_MS, deadline.remainingMs()));
        continue;
      }
      last = result.detail;
      if (!RETRYABLE.has(result.detail)) {
        throw new HookFailure(
          `AWS refused the new credentials (sts:GetCallerIdentity: ${result.detail})`,
          "the Vault AWS role's credential type and TTL, and AWS_ENDPOINT_URL_STS / AWS_REGION on the agent",
        );
      }
      streak = 0;
      const wait = backoffMs(failures++, PROBE_BASE_MS, PROBE_CAP_MS);
      if (deadline.remainingMs() <= wait) break;
      await sleep(wait);
    }
  } finally {
    probe.close();
  }
  throw new HookFailure(
    `AWS did not accept the new credentials within ${((Date.now() - started) / 1000).toFixed(1)} s (${probes} sts:GetCallerIdentity probes, last: ${last}; budget: ${deadline.source})`,
    "that the agent reaches AWS STS (AWS_ENDPOINT_URL_STS, proxy), and raise TFC_AGENT_HOOK_PRE_<PHASE>_TIMEOUT on the agent if IAM is slow to accept new keys",
  );
}
