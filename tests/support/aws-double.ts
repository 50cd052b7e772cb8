/**
 * An AWS double: the IAM users and access keys the Vault double creates and deletes, STS
 * credentials it issues, and an STS endpoint (`AWS_ENDPOINT_URL_STS`) that answers
 * `GetCallerIdentity` only for a correctly SigV4-signed request with a live key.
 *
 * New iam_user keys are rejected for `propagationDelayMs` after creation, like IAM's eventual
 * consistency (docs/upstream-behaviour.md, "AWS"); STS-type credentials
 * work at once and stop at their expiry. Listens on 127.0.0.1 only.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export const ACCOUNT_ID = "123456789012";

export interface IamUser {
  readonly userName: string;
  readonly arn: string;
  readonly userId: string;
}

interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** The user (iam_user) or assumed-role/federated ARN (STS) the key acts as. */
  readonly arn: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  /** iam_user keys are eventually consistent; STS keys are usable at once. */
  readonly eventuallyConsistent: boolean;
}

export interface ProbeRecord {
  readonly at: number;
  readonly accessKeyId: string;
  readonly ok: boolean;
  readonly code?: string;
}

export interface AwsDoubleOptions {
  /** How long a new iam_user key is rejected by STS (default 0). */
  propagationDelayMs?: number;
}

function randomId(prefix: string, length = 16): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export class AwsDouble {
  propagationDelayMs: number;
  /**
   * Verdicts for the next GetCallerIdentity calls signed with a known key, in order, before the
   * usual checks: an STS error code is answered with that error, "pass" leaves it to the usual
   * checks. A new IAM key can be rejected again after it was accepted once (terraform-provider-vault
   * resets its run of successes on such an error), and STS credentials can be expired
   * (see docs/upstream-behaviour.md#aws).
   */
  readonly scriptedProbes: Array<"pass" | "InvalidClientTokenId" | "ExpiredToken"> = [];
  readonly probes: ProbeRecord[] = [];
  /** Every iam_user key ever created, with its creation time (kept after deletion). */
  readonly createdKeys: Array<{ readonly accessKeyId: string; readonly createdAt: number }> = [];
  private readonly users = new Map<string, IamUser>();
  private readonly keys = new Map<string, AccessKey>();
  private server: http.Server | undefined;
  private url = "";

  constructor(options: AwsDoubleOptions = {}) {
    this.propagationDelayMs = options.propagationDelayMs ?? 0;
  }

  static async start(options: AwsDoubleOptions = {}): Promise<AwsDouble> {
    const aws = new AwsDouble(options);
    await aws.listen();
    return aws;
  }

  /** The STS endpoint, for `AWS_ENDPOINT_URL_STS`. */
  get stsEndpoint(): string {
    return this.url;
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handleSts(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- IAM, as the Vault double's AWS engine uses it ----

  createUser(userName: string): IamUser {
    if (this.users.has(userName)) throw new Error(`EntityAlreadyExists: user ${userName}`);
    const user = { userName, arn: `arn:aws:iam::${ACCOUNT_ID}:user/${userName}`, userId: randomId("AIDA") };
    this.users.set(userName, user);
    return user;
  }

  createAccessKey(userName: string): { accessKeyId: string; secretAccessKey: string } {
    const user = this.users.get(userName);
    if (!user) throw new Error(`NoSuchEntity: user ${userName}`);
    const key: AccessKey = {
      accessKeyId: randomId("AKIA"),
      secretAccessKey: randomBytes(30).toString("base64"),
      arn: user.arn,
      userId: user.userId,
      createdAt: Date.now(),
      eventuallyConsistent: true,
    };
    this.keys.set(key.accessKeyId, key);
    this.createdKeys.push({ accessKeyId: key.accessKeyId, createdAt: key.createdAt });
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  deleteAccessKey(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
  }

  /** Deletes the user and its keys (what Vault's revocation of an iam_user lease does). */
  deleteUser(userName: string): void {
    for (const [id, key] of this.keys) {
      if (key.arn === this.users.get(userName)?.arn) this.keys.delete(id);
    }
    this.users.delete(userName);
  }

  /** The IAM user an access key belongs to (undefined for unknown or STS keys). */
  userOfAccessKey(accessKeyId: string): string | undefined {
    const arn = this.keys.get(accessKeyId)?.arn;
    return [...this.users.values()].find((u) => u.arn === arn)?.userName;
  }

  accessKeysOf(userName: string): string[] {
    const arn = this.users.get(userName)?.arn;
    return [...this.keys.values()].filter((k) => k.arn === arn).map((k) => k.accessKeyId);
  }

  /** Temporary credentials for an STS-type Vault role; cannot be revoked, only expire. */
  issueStsCredentials(
    arn: string,
    ttlSeconds: number,
  ): {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiresAt: number;
  } {
    const key: AccessKey = {
      accessKeyId: randomId("ASIA"),
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(48).toString("base64"),
      arn,
      userId: randomId("AROA"),
      createdAt: Date.now(),
      expiresAt: Date.now() + ttlSeconds * 1000,
      eventuallyConsistent: false,
    };
    this.keys.set(key.accessKeyId, key);
    return {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      sessionToken: key.sessionToken!,
      expiresAt: key.expiresAt!,
    };
  }

  /** Names of the IAM users that exist now (the Vault root user included, if any). */
  userNames(): string[] {
    return [...this.users.keys()];
  }

  /** Users other than `except` (usually the Vault root user): what a run must leave at zero. */
  dynamicUsers(except: readonly string[] = []): string[] {
    return this.userNames().filter((u) => !except.includes(u));
  }

  // ---- STS endpoint ----

  private handleSts(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const params = new URLSearchParams(body.toString("utf8"));
    const action = params.get("Action");
    if (req.method !== "POST" || action !== "GetCallerIdentity") {
      this.sendError(res, 400, "InvalidAction", `Could not find operation ${action ?? "(none)"}`);
      return;
    }
    const verdict = this.verify(req, body);
    if (!verdict.ok) {
      this.probes.push({
        at: Date.now(),
        accessKeyId: verdict.accessKeyId ?? "",
        ok: false,
        code: verdict.code,
      });
      this.sendError(res, 403, verdict.code, verdict.message);
      return;
    }
    this.probes.push({ at: Date.now(), accessKeyId: verdict.accessKeyId, ok: true });
    const key = verdict.key;
    res.writeHead(200, { "Content-Type": "text/xml" });
    res.end(
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
        `<Arn>${key.arn}</Arn><UserId>${key.userId}</UserId><Account>${ACCOUNT_ID}</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomId("", 8)}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }

  private verify(
    req: http.IncomingMessage,
    body: Buffer,
  ):
    | { ok: true; key: AccessKey; accessKeyId: string }
    | { ok: false; code: string; message: string; accessKeyId?: string } {
    const auth = req.headers.authorization ?? "";
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m)
      return {
        ok: false,
        code: "MissingAuthenticationToken",
        message: "Request is missing Authentication Token",
      };
    const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
    const key = this.keys.get(accessKeyId);
    const invalid = {
      ok: false as const,
      code: "InvalidClientTokenId",
      accessKeyId,
      message: "The security token included in the request is invalid.",
    };
    if (!key) return invalid;
    const scripted = this.scriptedProbes.shift();
    if (scripted === "InvalidClientTokenId") return invalid;
    if (key.eventuallyConsistent && Date.now() < key.createdAt + this.propagationDelayMs) return invalid;
    if (scripted === "ExpiredToken" || (key.expiresAt !== undefined && Date.now() >= key.expiresAt)) {
      return {
        ok: false,
        code: "ExpiredToken",
        accessKeyId,
        message: "The security token included in the request is expired",
      };
    }
    if (key.sessionToken !== undefined && req.headers["x-amz-security-token"] !== key.sessionToken)
      return invalid;
    if (key.sessionToken === undefined && req.headers["x-amz-security-token"] !== undefined) return invalid;

    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const names = signedHeaders.split(";");
    if (!names.includes("host") || !amzDate.startsWith(date)) return invalid;
    const url = new URL(req.url ?? "/", "http://x");
    const query = [...url.searchParams.entries()]
      .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const canonicalHeaders = names
      .map(
        (n) =>
          `${n}:${String(req.headers[n] ?? "")
            .trim()
            .replace(/\s+/g, " ")}\n`,
      )
      .join("");
    const payloadHash = String(req.headers["x-amz-content-sha256"] ?? sha256(body));
    if (payloadHash !== sha256(body)) return invalid;
    const canonicalRequest = [
      req.method,
      url.pathname,
      query,
      canonicalHeaders,
      signedHeaders,
      payloadHash,
    ].join("\n");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
    const kDate = hmac(`AWS4${key.secretAccessKey}`, date);
    const kSigning = hmac(hmac(hmac(kDate, region), service), "aws4_request");
    const expected = Buffer.from(hmac(kSigning, stringToSign).toString("hex"));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return {
        ok: false,
        code: "SignatureDoesNotMatch",
        accessKeyId,
        message: "The request signature we calculated does not match the signature you provided.",
      };
    }
    return { ok: true, key, accessKeyId: accessKeyId };
  }

  private sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "Content-Type": "text/xml" });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
        `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomId("", 8)}</RequestId></ErrorResponse>`,
    );
  }
}
