/**
 * `sts:GetCallerIdentity` with exactly the credentials under test: one POST signed with the AWS
 * SDK's own SigV4 signer (`@smithy/signature-v4`), sent with node:https, the answer capped at
 * 64 KiB. The whole STS client would add its endpoint rules, retries and credential chain, none of
 * which this one call needs, and would double the pre hook's start-up (docs/hooks.md, "Start-up").
 * The endpoint follows the SDK's settings: `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, else
 * the regional `https://sts.<region>.amazonaws.com` (docs/upstream-behaviour.md, "AWS STS").
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import * as http from "node:http";
import * as https from "node:https";
import { readCapped } from "./capped-body";

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

/** STS answers are a few hundred bytes; anything past this is not STS. */
export const STS_BODY_LIMIT = 64 * 1024;
const BODY = "Action=GetCallerIdentity&Version=2011-06-15";

export function stsEndpoint(env: NodeJS.ProcessEnv, region: string): URL {
  const configured = env.AWS_ENDPOINT_URL_STS?.trim() || env.AWS_ENDPOINT_URL?.trim();
  return new URL(configured || `https://sts.${region}.amazonaws.com`);
}

/** The `<Code>` of an STS error answer, or the HTTP status when there is none. */
function errorCode(status: number, text: string): string {
  const code = /<Code>([A-Za-z0-9.]{1,80})<\/Code>/.exec(text)?.[1];
  return code ?? `HTTP${status}`;
}

export function createProbe(credentials: ProbeCredentials, region: string, env: NodeJS.ProcessEnv): StsProbe {
  const endpoint = stsEndpoint(env, region);
  const signer = new SignatureV4({
    service: "sts",
    region,
    sha256: Hash.bind(null, "sha256"),
    // Only these credentials: never the ambient chain (agent instance role, ~/.aws files).
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
  });
  const secure = endpoint.protocol === "https:";
  // TLS is always verified (rejectUnauthorized); one kept-alive connection for the whole probe.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: true })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const path = endpoint.pathname === "" ? "/" : endpoint.pathname;

  const send = async (timeoutMs: number): Promise<ProbeResult> => {
    const signed = await signer.sign({
      method: "POST",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path,
      query: {},
      headers: {
        host: endpoint.host,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      },
      body: BODY,
    });
    return new Promise<ProbeResult>((resolve) => {
      const req = (secure ? https : http).request(
        {
          method: "POST",
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port || (secure ? 443 : 80),
          path,
          headers: signed.headers,
          agent,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          readCapped(res, STS_BODY_LIMIT).then(
            (body) => {
              const text = body.toString("utf8");
              const status = res.statusCode ?? 0;
              if (status === 200) {
                // Only ARN characters: the ARN is printed next to the run id, so nothing else
                // (a line break, a control character) from the answer reaches the run's log.
                resolve({ ok: true, detail: /<Arn>(arn:[\w+=,.@:/-]{1,2040})<\/Arn>/.exec(text)?.[1] ?? "" });
              } else {
                resolve({ ok: false, detail: errorCode(status, text) });
              }
            },
            (err: Error) =>
              resolve({
                ok: false,
                detail: err.name === "BodyTooLarge" ? "BodyTooLarge" : "NetworkingError",
              }),
          );
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const name = err.name === "AbortError" || err.name === "TimeoutError" ? "TimeoutError" : undefined;
        resolve({ ok: false, detail: (name ?? err.code ?? "NetworkingError").slice(0, 80) });
      });
      req.end(BODY);
    });
  };
  return {
    callerIdentity: send,
    close(): void {
      agent.destroy();
    },
  };
}
