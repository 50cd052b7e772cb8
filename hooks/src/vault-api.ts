/**
 * The Vault calls the hooks make, with the answers checked field by field. Paths follow the
 * per-phase policy (docs/vault-side.md): read on `<mount>/creds/<role>` or `<mount>/sts/<role>`,
 * update on `sys/leases/revoke/<lease id>`; `sys/leases/lookup` and `auth/token/revoke-self` come
 * from Vault's `default` policy.
 */
import type { AuthType, PreSettings } from "./contract";
import { printable } from "./output";
import { VaultCallError, type VaultClient } from "./vault-client";

export interface VaultLogin {
  readonly token: string;
  readonly ttlSeconds: number;
}

export interface AwsCredentials {
  readonly leaseId: string;
  readonly leaseSeconds: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** An answer that is not what Vault documents; the message names the missing field. */
export class VaultAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultAnswerError";
  }
}

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}

function str(obj: unknown, key: string, where: string): string {
  const v = field(obj, key);
  if (typeof v !== "string" || v === "")
    throw new VaultAnswerError(`Vault's answer to ${where} has no ${key}`);
  if (/[\r\n]/.test(v))
    throw new VaultAnswerError(`Vault's answer to ${where} has a ${key} with a line break`);
  return v;
}

export async function login(vault: VaultClient, settings: PreSettings): Promise<VaultLogin> {
  const path = `auth/${settings.authPath}/login`;
  const answer = await vault.call("POST", path, { body: { role: settings.jwtRole, jwt: settings.jwt } });
  const auth = field(answer.json, "auth");
  const token = str(auth, "client_token", `POST /v1/${path}`);
  const ttl = field(auth, "lease_duration");
  return { token, ttlSeconds: typeof ttl === "number" ? ttl : 0 };
}

/** True for the STS-backed types, whose credentials come from `sts/` and cannot be revoked early. */
export function isSts(type: AuthType): boolean {
  return type !== "iam_user";
}

export function credentialsPath(settings: Pick<PreSettings, "mount" | "authType" | "awsRole">): string {
  return `${settings.mount}/${isSts(settings.authType) ? "sts" : "creds"}/${settings.awsRole}`;
}

/** AWS's RoleSessionName grammar (sts:AssumeRole): 2-64 characters of `[\w+=,.@-]`. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The STS session name an assumed_role read asks for: `tfc-<run id>-<phase>`, so CloudTrail's
 * `userIdentity.arn` (`...:assumed-role/<role>/<session>`) names the run. Vault passes the
 * caller's `role_session_name` to sts:AssumeRole (Vault >= 1.7.2; docs/upstream-behaviour.md,
 * "Vault AWS secrets engine"). A run id too long to fit keeps its start (still unique enough to
 * search for) rather than failing the run.
 */
export function sessionNameFor(runId: string, phase: string): string {
  const suffix = `-${phase}`;
  const name = `tfc-${runId}`.slice(0, 64 - suffix.length) + suffix;
  if (!SESSION_NAME.test(name)) throw new VaultAnswerError(`"${name}" is not a valid STS session name`);
  return name;
}

export async function readCredentials(
  vault: VaultClient,
  token: string,
  settings: PreSettings,
  sessionName?: string,
): Promise<AwsCredentials> {
  // GET (the policy grants `read`), with role_arn and, for assumed_role, role_session_name as
  // query parameters. federation_token and session_token names are Vault's own: the API takes no
  // name for them (docs/upstream-behaviour.md, "Vault AWS secrets engine").
  const base = credentialsPath(settings);
  const query = new URLSearchParams();
  if (settings.roleArn) query.set("role_arn", settings.roleArn);
  if (settings.authType === "assumed_role" && sessionName !== undefined)
    query.set("role_session_name", sessionName);
  const path = query.size > 0 ? `${base}?${query.toString()}` : base;
  const where = `GET /v1/${base}`;
  const answer = await vault.call("GET", path, { token });
  const json = answer.json;
  const leaseId = str(json, "lease_id", where);
  // It goes into a URL path later (sys/leases/revoke/<lease id>): only Vault's own characters.
  if (!/^[A-Za-z0-9_./-]+$/.test(leaseId) || leaseId.split("/").some((s) => s === "." || s === ".."))
    throw new VaultAnswerError(`Vault's answer to ${where} has an unexpected lease_id`);
  const leaseSeconds = field(json, "lease_duration");
  if (typeof leaseSeconds !== "number")
    throw new VaultAnswerError(`Vault's answer to ${where} has no lease_duration`);
  const data = field(json, "data");
  const accessKeyId = str(data, "access_key", where);
  const secretAccessKey = str(data, "secret_key", where);
  let sessionToken: string | undefined;
  if (isSts(settings.authType)) {
    // Vault >= 1.16 says session_token, older versions security_token (docs/upstream-behaviour.md).
    const name = typeof field(data, "session_token") === "string" ? "session_token" : "security_token";
    if (typeof field(data, name) !== "string") {
      // STS credentials are useless without it: most likely the role is not of this type.
      throw new VaultAnswerError(
        `Vault's answer to ${where} has no session_token or security_token (is TFC_VAULT_BACKED_AWS_AUTH_TYPE=${settings.authType} the role's credential_type?)`,
      );
    }
    sessionToken = str(data, name, where);
  }
  return { leaseId, leaseSeconds, accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** `PUT sys/leases/revoke/<lease id>` with `sync: true`: returns once the backend revoked it. */
export async function revokeLease(vault: VaultClient, token: string, leaseId: string): Promise<void> {
  await vault.call("PUT", `sys/leases/revoke/${leaseId}`, { token, body: { sync: true } });
}

/** Remaining TTL in seconds if the lease still exists, undefined once it is gone. */
export async function leaseTtl(
  vault: VaultClient,
  token: string,
  leaseId: string,
): Promise<number | undefined> {
  const answer = await vault.call("PUT", "sys/leases/lookup", {
    token,
    body: { lease_id: leaseId },
    accept: [400],
  });
  if (answer.status === 400) {
    const errors = field(answer.json, "errors");
    if (Array.isArray(errors) && errors.some((e) => String(e).includes("invalid lease"))) return undefined;
    throw new VaultCallError(
      "status",
      `Vault answered 400 to PUT /v1/sys/leases/lookup: ${Array.isArray(errors) ? printable(errors.map(String).join("; "), 300, [token]) : "no detail"}`,
      400,
    );
  }
  const ttl = field(field(answer.json, "data"), "ttl");
  return typeof ttl === "number" ? ttl : 0;
}

/**
 * `auth/token/revoke-self`. A 403 means the token is already invalid (revoked or expired), which
 * also revoked its leases: that is the outcome we want, so it is not an error.
 */
export async function revokeSelf(vault: VaultClient, token: string): Promise<"revoked" | "already-invalid"> {
  const answer = await vault.call("POST", "auth/token/revoke-self", { token, accept: [403] });
  return answer.status === 403 ? "already-invalid" : "revoked";
}

/**
 * `PUT sys/leases/renew` with the lease id in the body (the policy allows only this phase's role
 * prefix for `lease_id`) and `increment` in seconds. Returns the granted TTL, which Vault caps at
 * the mount's max TTL counted from the lease's issue (docs/upstream-behaviour.md, "Vault tokens and leases").
 */
export async function renewLease(
  vault: VaultClient,
  token: string,
  leaseId: string,
  incrementSeconds: number,
): Promise<number> {
  const answer = await vault.call("PUT", "sys/leases/renew", {
    token,
    body: { lease_id: leaseId, increment: incrementSeconds },
  });
  const ttl = field(answer.json, "lease_duration");
  if (typeof ttl !== "number")
    throw new VaultAnswerError("Vault's answer to PUT /v1/sys/leases/renew has no lease_duration");
  return ttl;
}

/** `POST auth/token/renew-self` with `increment`; returns the granted TTL (capped at token_max_ttl). */
export async function renewSelf(
  vault: VaultClient,
  token: string,
  incrementSeconds: number,
): Promise<number> {
  const answer = await vault.call("POST", "auth/token/renew-self", {
    token,
    body: { increment: incrementSeconds },
  });
  const ttl = field(field(answer.json, "auth"), "lease_duration");
  if (typeof ttl !== "number")
    throw new VaultAnswerError("Vault's answer to POST /v1/auth/token/renew-self has no auth.lease_duration");
  return ttl;
}
