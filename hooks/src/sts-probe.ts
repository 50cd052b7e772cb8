/**
 * `sts:GetCallerIdentity` through the AWS SDK (SigV4, endpoint resolution including
 * `AWS_ENDPOINT_URL_STS`). Bundled separately (dist/lib/sts-probe.cjs) and loaded only by the pre
 * hooks, because loading the SDK roughly doubles a hook's start time and the post hooks never
 * need it.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

export interface ProbeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** The caller ARN on success (not secret); the AWS error code otherwise. */
  readonly detail: string;
}

export interface StsProbe {
  callerIdentity(timeoutMs: number): Promise<ProbeResult>;
  close(): void;
}

export function createProbe(credentials: ProbeCredentials, region: string): StsProbe {
  const client = new STSClient({
    region,
    // Only these credentials: never the ambient chain (agent instance role, ~/.aws files).
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    // The readiness loop owns retries and their budget.
    maxAttempts: 1,
  });
  return {
    async callerIdentity(timeoutMs: number): Promise<ProbeResult> {
      try {
        const out = await client.send(new GetCallerIdentityCommand({}), {
          abortSignal: AbortSignal.timeout(timeoutMs),
        });
        return { ok: true, detail: out.Arn ?? "" };
      } catch (err) {
        // AWS errors carry their code as name; network errors are plain Errors with a code.
        const e = err as { name?: string; code?: string };
        const id = e.name && e.name !== "Error" ? e.name : (e.code ?? e.name ?? "UnknownError");
        return { ok: false, detail: String(id).slice(0, 80) };
      }
    },
    close(): void {
      client.destroy();
    },
  };
}
