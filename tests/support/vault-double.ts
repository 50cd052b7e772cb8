/**
 * A Vault double: the slice of Vault's HTTP API this project talks to, with Vault's status codes
 * and `{"errors": [...]}` bodies (docs/upstream-behaviour.md, the Vault sections), listening on
 * 127.0.0.1 (TLS with the test CA when one is given).
 *
 * - JWT auth: `auth/<mount>/login` checks RS256 signatures against the issuer's JWKS,
 *   `bound_issuer`, leeways and the role bindings (the shared bound-claims evaluator).
 * - Tokens: service (revocable) and batch tokens with policies; every request goes through the ACL
 *   (vault-double-acl.ts: paths and parameter constraints, as vault/acl.go), so a policy that
 *   lacks a path or refuses a parameter gets `403 permission denied`. `token_max_ttl`,
 *   `auth/token/renew-self`, and `token_bound_cidrs` against `clientAddress` (settable).
 * - AWS secrets engine: `config/root`, `config/rotate-root`, `roles/<r>`, `creds/<r>`, `sts/<r>`;
 *   iam_user creds create a user and key in the AWS double, revocation deletes them.
 * - Leases with TTLs that expire, `sys/leases/revoke` (sync and async; the body's `lease_id`
 *   before the URL's, as Vault), `sys/leases/renew` (capped at the max TTL), `sys/leases/lookup`,
 *   `auth/token/revoke-self` (revokes the token's leases right after answering, like Vault's
 *   lazy revocation: await `settled()` to observe the end state).
 * - Namespaces: `X-Vault-Namespace` selects a separate set of mounts, policies and tokens.
 * - Fault injection: sealed (503), rate limited (429), connection reset, slow, malformed body,
 *   any status, or a rewrite of the real answer.
 *
 * Usage: `const vault = await VaultDouble.start({ aws, ca })`, seed with `addPolicy`,
 * `configureJwt`, `addJwtRole`, `configureAws`, `addAwsRole`; inspect `liveLeases()`,
 * `liveTokens()`, `requests`; `rootToken` may call anything; `stop()` at the end.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { AwsDouble } from "./aws-double";
import type { TestCa } from "./test-ca";
import {
  aclAllows,
  type Capability,
  DEFAULT_POLICY,
  parsePolicyHcl,
  type PolicyRule,
} from "./vault-double-acl";
import { addressAllowed } from "./vault-double-cidr";
import { type JwtAuthConfig, type JwtRole, verifyJwt } from "./vault-double-jwt";
import { type SysHost, VaultError, VaultSysState } from "./vault-double-sys";
import { iamUserName } from "./vault-double-username";

export type { JwtAuthConfig, JwtRole } from "./vault-double-jwt";
export type { Capability, PolicyRule } from "./vault-double-acl";

export type AwsCredentialType = "iam_user" | "assumed_role" | "federation_token" | "session_token";

/** `<mount>/roles/<name>` fields the double understands. */
export interface AwsRole {
  readonly credential_type: AwsCredentialType;
  readonly role_arns?: readonly string[];
  readonly policy_document?: string;
  readonly policy_arns?: readonly string[];
  /** Lease TTL of iam_user credentials in seconds (Vault: `config/lease` `lease`); default 3600. */
  readonly default_ttl?: number;
  /** Longest an iam_user lease may live, renewals included (`config/lease` `lease_max`). */
  readonly max_ttl?: number;
  readonly default_sts_ttl?: number;
  readonly max_sts_ttl?: number;
}

/** `<mount>/config/root` fields the double keeps (secret_key is never returned). */
export interface AwsRootConfig {
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly region?: string;
  readonly iam_endpoint?: string;
  readonly sts_endpoint?: string;
  readonly max_retries?: number;
  readonly username_template?: string;
}

export interface LeaseView {
  readonly leaseId: string;
  readonly namespace: string;
  readonly mount: string;
  readonly role: string;
  readonly credentialType: AwsCredentialType;
  readonly expiresAt: number;
  readonly tokenAccessor: string;
  readonly userName?: string;
  readonly accessKeyId: string;
}

export interface TokenView {
  readonly accessor: string;
  readonly namespace: string;
  readonly policies: readonly string[];
  readonly type: "service" | "batch";
  readonly expiresAt: number;
  readonly meta: Readonly<Record<string, string>>;
}

/** What the double saw of a request (never the token itself). */
export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly namespace: string | undefined;
  readonly tokenAccessor: string | undefined;
  readonly body: Readonly<Record<string, unknown>>;
  readonly status: number;
}

export type VaultFault =
  | { readonly kind: "sealed" }
  | { readonly kind: "rate-limited" }
  | { readonly kind: "reset" }
  | { readonly kind: "slow"; readonly delayMs: number }
  /** The real handler runs (leases are created), then the body is replaced by broken JSON. */
  | { readonly kind: "malformed" }
  | { readonly kind: "status"; readonly status: number; readonly errors?: readonly string[] }
  /** The real handler runs, then `rewrite` transforms its JSON answer. */
  | { readonly kind: "rewrite"; readonly rewrite: (body: Record<string, unknown>) => unknown };

export interface FaultOptions {
  /** Only requests whose path (without /v1/) matches; default every request. */
  readonly path?: string | RegExp;
  /** How many matching requests get the fault; default 1. `Infinity` for all. */
  readonly times?: number;
}

export interface VaultDoubleOptions {
  readonly aws: AwsDouble;
  /** Serve https with a certificate from this CA; plain http when absent. */
  readonly ca?: TestCa;
  /** Answer `security_token` instead of `session_token` (Vault < 1.16). */
  readonly legacySecurityToken?: boolean;
  /**
   * `<mount>/config/root` writes keep the fields they leave out, as Vault 1.19 and later do
   * (except `username_template`); by default a write replaces the whole config, as up to 1.18.
   * See writeRootConfig.
   */
  readonly configRootMerges?: boolean;
  /**
   * Start as a fresh node with an auto-unseal seal: uninitialized (and so sealed), no root token
   * until `sys/init` (vault-double-sys.ts).
   */
  readonly uninitialized?: boolean;
}

interface Token {
  readonly id: string;
  readonly accessor: string;
  readonly namespace: string;
  readonly policies: readonly string[];
  readonly type: "service" | "batch";
  expiresAt: number;
  readonly meta: Record<string, string>;
  readonly root: boolean;
  readonly issuedAt: number;
  /** TTL a renewal without increment grants (the role's token_ttl), seconds. */
  readonly ttlSeconds: number;
  /** Latest possible expiry (issue time + max TTL). */
  readonly maxExpiresAt: number;
  readonly boundCidrs?: readonly string[];
  /** Vault core's display name: `<auth mount>-<alias name>` for logins, `token` otherwise. */
  readonly displayName?: string;
}

interface Lease extends LeaseView {
  readonly renewable: boolean;
  readonly issuedAt: number;
  expiresAt: number;
  readonly ttlSeconds: number;
  readonly maxExpiresAt: number;
}

/** Vault's default system max TTL (32 days), the cap when nothing sets a lower one. */
const SYSTEM_MAX_TTL_SECONDS = 768 * 3600;

interface NamespaceState {
  readonly policies: Map<string, PolicyRule[]>;
  readonly jwt: Map<string, { config: JwtAuthConfig; roles: Map<string, JwtRole> }>;
  readonly aws: Map<string, { root: AwsRootConfig; rootUser?: string; roles: Map<string, AwsRole> }>;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

const PERMISSION_DENIED = "1 error occurred:\n\t* permission denied\n\n";

function random(length: number): string {
  return randomBytes(length).toString("base64url").slice(0, length);
}

/** A request field as text (Vault's API takes scalars; anything else becomes JSON). */
function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : JSON.stringify(value);
}

/** A Vault duration parameter (TypeDurationSecond): seconds as a number, or `30`, `90s`, `5m`, `1h`. */
function durationSeconds(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const m = /^(\d+)([smh]?)$/.exec(text(value));
  if (!m) return undefined;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? ""];
}

const ROOT_CONFIG_FIELDS = [
  "access_key",
  "secret_key",
  "region",
  "iam_endpoint",
  "sts_endpoint",
  "max_retries",
] as const;

/**
 * The config a `POST <mount>/config/root` leaves (builtin/logical/aws/path_config_root.go,
 * docs/upstream-behaviour.md#vault-aws-secrets-engine). Up to Vault 1.18 the write builds the
 * config from the request alone: a field not sent, the keys included, is cleared. From 1.19 a
 * field not sent keeps its stored value. In both, `username_template` is set from the request
 * alone: not sent (or empty) means Vault's default, which the double keeps as "no template".
 */
function writeRootConfig(
  stored: AwsRootConfig,
  body: Record<string, unknown>,
  merges: boolean,
): AwsRootConfig {
  const next: Record<string, unknown> = merges ? { ...stored } : {};
  for (const field of ROOT_CONFIG_FIELDS) {
    if (body[field] !== undefined) next[field] = body[field];
    else if (!merges) delete next[field];
  }
  const template = text(body.username_template);
  if (template === "") delete next.username_template;
  else next.username_template = template;
  return next;
}

function ns(name: string | undefined): string {
  return (name ?? "").replace(/^\/+|\/+$/g, "");
}

export class VaultDouble {
  /** A root token (policy `root`), valid in every namespace. */
  readonly rootToken = `hvs.root${random(20)}`;
  readonly requests: RecordedRequest[] = [];
  /** Initialization, seal, audit devices and the token tree (vault-double-sys.ts). */
  readonly sys: VaultSysState;
  /** When true, revoking an iam_user lease fails like vault#16685 (user cannot be deleted). */
  failUserDeletion = false;
  /** Delay of an async (`sync: false`) revocation. */
  asyncRevokeDelayMs = 50;
  /**
   * The source address the double sees for every request (checked against `token_bound_cidrs`).
   * The double listens on 127.0.0.1 only, so that is the default.
   */
  clientAddress = "127.0.0.1";

  private readonly aws: AwsDouble;
  private readonly legacySecurityToken: boolean;
  private readonly configRootMerges: boolean;
  private readonly namespaces = new Map<string, NamespaceState>();
  private readonly tokens = new Map<string, Token>();
  private readonly leases = new Map<string, Lease>();
  private readonly faults: Array<{ fault: VaultFault; path?: string | RegExp; left: number }> = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly issued = new Set<string>();
  private server: http.Server | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private base = "";
  private caPem: string | undefined;

  private constructor(options: VaultDoubleOptions) {
    this.aws = options.aws;
    this.legacySecurityToken = options.legacySecurityToken ?? false;
    this.configRootMerges = options.configRootMerges ?? false;
    this.sys = new VaultSysState(!options.uninitialized);
    if (options.uninitialized) return;
    this.tokens.set(this.rootToken, {
      id: this.rootToken,
      accessor: "root-accessor",
      namespace: "",
      policies: ["root"],
      type: "service",
      expiresAt: Number.POSITIVE_INFINITY,
      meta: {},
      root: true,
      issuedAt: Date.now(),
      ttlSeconds: 0,
      maxExpiresAt: Number.POSITIVE_INFINITY,
    });
  }

  static async start(options: VaultDoubleOptions): Promise<VaultDouble> {
    const vault = new VaultDouble(options);
    const handler: http.RequestListener = (req, res) => vault.onRequest(req, res);
    const server = options.ca
      ? https.createServer(await options.ca.serverCert(), handler)
      : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    vault.server = server;
    vault.caPem = options.ca?.certPem;
    vault.base = `${options.ca ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return vault;
  }

  /** `VAULT_ADDR` / `TFC_VAULT_ADDR` for this double. */
  get address(): string {
    return this.base;
  }

  /** The CA PEM clients must trust (https only). */
  get caCertPem(): string | undefined {
    return this.caPem;
  }

  async stop(): Promise<void> {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    await this.settled();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once asynchronous revocations (revoke-self, `sync: false`) have run. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  // ---- seeding ----

  private space(name?: string): NamespaceState {
    const key = ns(name);
    let state = this.namespaces.get(key);
    if (!state) {
      state = { policies: new Map(), jwt: new Map(), aws: new Map() };
      this.namespaces.set(key, state);
    }
    return state;
  }

  /** Adds or replaces an ACL policy, from rules or HCL (`path "x" { capabilities = [...] }`). */
  addPolicy(name: string, rules: string | readonly PolicyRule[], namespace?: string): void {
    this.space(namespace).policies.set(name, typeof rules === "string" ? parsePolicyHcl(rules) : [...rules]);
  }

  /** `auth/<mount>/config` (enables the mount). */
  configureJwt(mount: string, config: JwtAuthConfig, namespace?: string): void {
    const existing = this.space(namespace).jwt.get(mount);
    this.space(namespace).jwt.set(mount, { config, roles: existing?.roles ?? new Map<string, JwtRole>() });
  }

  /** `auth/<mount>/role/<name>`. */
  addJwtRole(mount: string, name: string, role: JwtRole, namespace?: string): void {
    const auth = this.space(namespace).jwt.get(mount);
    if (!auth) throw new Error(`configureJwt("${mount}") first`);
    auth.roles.set(name, role);
  }

  /** `<mount>/config/root` (enables the AWS engine at `mount`). */
  configureAws(mount: string, root: AwsRootConfig = {}, namespace?: string): void {
    const existing = this.space(namespace).aws.get(mount);
    this.space(namespace).aws.set(mount, {
      root,
      rootUser: existing?.rootUser,
      roles: existing?.roles ?? new Map<string, AwsRole>(),
    });
  }

  /** Makes `userName` (created in the AWS double) the engine's root user with one fresh key. */
  useAwsRootUser(mount: string, userName: string, namespace?: string): { access_key: string } {
    this.aws.createUser(userName);
    const key = this.aws.createAccessKey(userName);
    this.configureAws(
      mount,
      { access_key: key.accessKeyId, secret_key: key.secretAccessKey, region: "us-east-1" },
      namespace,
    );
    this.space(namespace).aws.get(mount)!.rootUser = userName;
    return { access_key: key.accessKeyId };
  }

  /** The current root config of an AWS mount (for assertions; includes the secret key). */
  awsRootConfig(mount: string, namespace?: string): AwsRootConfig | undefined {
    return this.space(namespace).aws.get(mount)?.root;
  }

  /** `<mount>/roles/<name>`. */
  addAwsRole(mount: string, name: string, role: AwsRole, namespace?: string): void {
    const engine = this.space(namespace).aws.get(mount);
    if (!engine) throw new Error(`configureAws("${mount}") first`);
    engine.roles.set(name, role);
  }

  /** A service token with `policies` (plus `default`), as `vault token create` would make. */
  createToken(
    policies: readonly string[],
    options: { namespace?: string; ttlSeconds?: number } = {},
  ): string {
    return this.mintToken(
      ns(options.namespace),
      [...policies, "default"],
      "service",
      options.ttlSeconds ?? 3600,
      {},
    ).id;
  }

  /** The next `times` requests matching `path` get `fault`. */
  injectFault(fault: VaultFault, options: FaultOptions = {}): void {
    this.faults.push({ fault, path: options.path, left: options.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Revokes a lease now, as Vault's background retries eventually do once the cause is fixed. */
  revokeLeaseNow(leaseId: string): void {
    const lease = this.leases.get(leaseId);
    if (lease) this.revokeLease(lease);
  }

  /** Revokes every token (and so their leases) now, e.g. to clean up after a failed revoke-self. */
  revokeAllTokens(): void {
    for (const token of [...this.tokens.values()]) {
      if (token.root) continue;
      this.tokens.delete(token.id);
      this.revokeLeasesOf(token.accessor);
    }
  }

  // ---- inspection ----

  liveLeases(): LeaseView[] {
    this.expire();
    return [...this.leases.values()];
  }

  liveTokens(options: { includeRoot?: boolean } = {}): TokenView[] {
    this.expire();
    return [...this.tokens.values()]
      .filter((t) => options.includeRoot || !t.root)
      .map(({ accessor, namespace, policies, type, expiresAt, meta }) => ({
        accessor,
        namespace,
        policies,
        type,
        expiresAt,
        meta,
      }));
  }

  /**
   * Every secret this double ever handed out: token ids, access key ids, secret keys, session
   * tokens. Tests scan output and leftover files for them.
   */
  issuedSecrets(): string[] {
    return [...this.issued];
  }

  // ---- HTTP ----

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void this.serve(req, Buffer.concat(chunks).toString("utf8"), res);
    });
  }

  private takeFault(path: string): VaultFault | undefined {
    const at = this.faults.findIndex(
      (f) =>
        f.left > 0 &&
        (f.path === undefined || (typeof f.path === "string" ? path.startsWith(f.path) : f.path.test(path))),
    );
    if (at < 0) return undefined;
    const entry = this.faults[at];
    entry.left--;
    if (entry.left <= 0) this.faults.splice(at, 1);
    return entry.fault;
  }

  private async serve(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/^\/v1\//, "");
    const namespace =
      typeof req.headers["x-vault-namespace"] === "string" ? req.headers["x-vault-namespace"] : undefined;
    const tokenId =
      typeof req.headers["x-vault-token"] === "string" ? req.headers["x-vault-token"] : undefined;
    let body: Record<string, unknown> = {};
    let answer: Answer;
    const fault = this.takeFault(path);
    if (fault?.kind === "reset") {
      this.record(method, path, namespace, tokenId, body, 0);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === "sealed") {
      answer = { status: 503, body: { errors: ["Vault is sealed"] } };
    } else if (fault?.kind === "rate-limited") {
      answer = { status: 429, body: { errors: ["request rate limited"] } };
    } else if (fault?.kind === "status") {
      answer = { status: fault.status, body: { errors: fault.errors ?? [`injected ${fault.status}`] } };
    } else {
      let parsed: unknown;
      try {
        parsed = raw.trim() === "" ? {} : JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        answer = { status: 400, body: { errors: ["failed to parse JSON input"] } };
      } else {
        body = parsed as Record<string, unknown>;
        // Vault reads query parameters as request data for GET (and LIST) only; a write's data is
        // its JSON body (http/logical.go buildLogicalRequestNoAuth).
        if (method === "GET") for (const [k, v] of url.searchParams) if (!(k in body)) body[k] = v;
        try {
          answer = await this.route(method, path, ns(namespace), tokenId, body);
        } catch (err) {
          const status = err instanceof VaultError ? err.status : 500;
          answer = { status, body: { errors: [err instanceof Error ? err.message : String(err)] } };
        }
      }
    }
    this.record(method, path, namespace, tokenId, body, answer.status);
    let text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    if (fault?.kind === "malformed") text = `{"request_id": "${random(8)}", "data": {`;
    if (fault?.kind === "rewrite" && answer.body !== undefined) {
      text = JSON.stringify(fault.rewrite(answer.body as Record<string, unknown>));
    }
    res.writeHead(answer.status, text === "" ? {} : { "Content-Type": "application/json" });
    res.end(text);
  }

  private record(
    method: string,
    path: string,
    namespace: string | undefined,
    tokenId: string | undefined,
    body: Record<string, unknown>,
    status: number,
  ): void {
    const safeBody = Object.fromEntries(
      Object.entries(body).map(([k, v]) => [
        k,
        ["jwt", "secret_key", "token"].includes(k) ? "<redacted>" : v,
      ]),
    );
    this.requests.push({
      at: Date.now(),
      method,
      path,
      namespace,
      tokenAccessor: tokenId === undefined ? undefined : (this.tokens.get(tokenId)?.accessor ?? "<unknown>"),
      body: safeBody,
      status,
    });
  }

  /**
   * The token's ACL check on the request path, with the request data against the rules'
   * parameter constraints, as vault/acl.go AllowOperation does before any handler runs.
   */
  private authorize(
    tokenId: string | undefined,
    namespace: string,
    path: string,
    caps: readonly Capability[],
    data: Readonly<Record<string, unknown>> = {},
  ): Token {
    this.expire();
    const token = tokenId === undefined ? undefined : this.tokens.get(tokenId);
    if (!token) throw new VaultError(403, PERMISSION_DENIED);
    // A token bound to CIDRs is refused from any other address (vault/request_handling.go).
    if (!addressAllowed(this.clientAddress, token.boundCidrs)) throw new VaultError(403, PERMISSION_DENIED);
    if (token.root) return token;
    if (token.namespace !== namespace) throw new VaultError(403, PERMISSION_DENIED);
    const policies = token.policies.map((p) =>
      p === "default" ? DEFAULT_POLICY : (this.space(namespace).policies.get(p) ?? []),
    );
    if (!aclAllows(policies, path, caps, data)) throw new VaultError(403, PERMISSION_DENIED);
    return token;
  }

  private async route(
    method: string,
    path: string,
    namespace: string,
    tokenId: string | undefined,
    body: Record<string, unknown>,
  ): Promise<Answer> {
    const write = method === "POST" || method === "PUT";
    const writeCaps: Capability[] = ["create", "update"];
    const readCaps: Capability[] = ["read"];
    const space = this.space(namespace);

    const sys = this.sys.route(this.sysHost(namespace), method, path, tokenId, body);
    if (sys) return sys;

    const login = /^auth\/(.+)\/login$/.exec(path);
    if (login && write && space.jwt.has(login[1])) return this.login(namespace, login[1], body);

    if (path === "auth/token/lookup-self" && method === "GET") {
      const token = this.authorize(tokenId, namespace, path, readCaps, body);
      return { status: 200, body: { data: this.tokenData(token) } };
    }
    if (path === "auth/token/renew-self" && write) {
      const token = this.authorize(tokenId, namespace, path, ["update"], body);
      if (token.type === "batch") throw new VaultError(400, "batch tokens cannot be renewed");
      token.expiresAt = this.renewedExpiry(token, body.increment);
      this.scheduleExpiry();
      return { status: 200, body: { auth: this.authBody(token) } };
    }
    if ((path === "sys/leases/renew" || path.startsWith("sys/leases/renew/")) && write) {
      // Like revoke: the body's lease_id first, the URL's only when the body has none.
      this.authorize(tokenId, namespace, path, ["update"], body);
      const leaseId = text(body.lease_id) || path.slice("sys/leases/renew/".length);
      if (leaseId === "") throw new VaultError(400, "lease_id must be specified");
      const lease = this.leases.get(leaseId);
      if (!lease || lease.namespace !== namespace) throw new VaultError(400, "lease not found");
      if (!lease.renewable) throw new VaultError(400, "lease is not renewable");
      lease.expiresAt = this.renewedExpiry(lease, body.increment);
      this.scheduleExpiry();
      const ttl = Math.max(0, Math.round((lease.expiresAt - Date.now()) / 1000));
      return {
        status: 200,
        body: { request_id: random(12), lease_id: leaseId, renewable: true, lease_duration: ttl },
      };
    }
    if (path === "auth/token/revoke-self" && write) {
      const token = this.authorize(tokenId, namespace, path, ["update"], body);
      if (token.type === "batch") throw new VaultError(400, "batch tokens cannot be revoked");
      this.tokens.delete(token.id);
      this.later(0, () => this.revokeLeasesOf(token.accessor));
      return { status: 204 };
    }
    if (path === "sys/leases/lookup" && write) {
      this.authorize(tokenId, namespace, path, ["update"], body);
      if (text(body.lease_id) === "") throw new VaultError(400, "lease_id must be specified");
      const lease = this.leases.get(text(body.lease_id));
      if (!lease || lease.namespace !== namespace) throw new VaultError(400, "invalid lease");
      const ttl = Math.max(0, Math.round((lease.expiresAt - Date.now()) / 1000));
      return {
        status: 200,
        body: {
          data: {
            id: lease.leaseId,
            issue_time: new Date(lease.issuedAt).toISOString(),
            expire_time: new Date(lease.expiresAt).toISOString(),
            last_renewal: null,
            renewable: lease.renewable,
            ttl,
          },
        },
      };
    }
    if ((path === "sys/leases/revoke" || path.startsWith("sys/leases/revoke/")) && write) {
      // The ACL sees the request path; the handler then takes the body's lease_id first and the
      // URL's only when the body has none (vault/logical_system.go handleRevoke). A path-prefix
      // grant alone therefore scopes nothing: see docs/upstream-behaviour.md#vault-tokens-and-leases.
      this.authorize(tokenId, namespace, path, ["update"], body);
      const leaseId = text(body.lease_id) || path.slice("sys/leases/revoke/".length);
      if (leaseId === "") throw new VaultError(400, "lease_id must be specified");
      const lease = this.leases.get(leaseId);
      // Vault answers success for an unknown lease id, which keeps revocation idempotent.
      if (!lease || lease.namespace !== namespace) return { status: 204 };
      const sync = body.sync === undefined ? true : body.sync === true || body.sync === "true";
      if (!sync) {
        this.later(this.asyncRevokeDelayMs, () => this.revokeLease(lease));
        return { status: 202 };
      }
      this.revokeLease(lease);
      return { status: 204 };
    }
    const policyWrite = /^sys\/policies\/acl\/(.+)$/.exec(path);
    if (policyWrite && write) {
      this.authorize(tokenId, namespace, path, writeCaps, body);
      this.addPolicy(policyWrite[1], text(body.policy), namespace);
      return { status: 204 };
    }

    const engine = [...space.aws.keys()]
      .sort((a, b) => b.length - a.length)
      .find((m) => path.startsWith(`${m}/`));
    if (engine !== undefined) {
      const rest = path.slice(engine.length + 1);
      const state = space.aws.get(engine)!;
      if (rest === "config/root") {
        if (write) {
          this.authorize(tokenId, namespace, path, writeCaps, body);
          state.root = writeRootConfig(state.root, body, this.configRootMerges);
          return { status: 204 };
        }
        this.authorize(tokenId, namespace, path, readCaps, body);
        const visible: Record<string, unknown> = { ...state.root };
        delete visible.secret_key;
        return { status: 200, body: { data: visible } };
      }
      if (rest === "config/rotate-root" && write) {
        this.authorize(tokenId, namespace, path, writeCaps, body);
        return this.rotateRoot(engine, state);
      }
      const roleWrite = /^roles\/([^/]+)$/.exec(rest);
      if (roleWrite) {
        if (write) {
          this.authorize(tokenId, namespace, path, writeCaps, body);
          state.roles.set(roleWrite[1], body as unknown as AwsRole);
          return { status: 204 };
        }
        this.authorize(tokenId, namespace, path, readCaps, body);
        const role = state.roles.get(roleWrite[1]);
        if (!role) return { status: 404, body: { errors: [] } };
        return { status: 200, body: { data: role } };
      }
      const creds = /^(creds|sts)\/([^/]+)$/.exec(rest);
      if (creds && (method === "GET" || write)) {
        const token = this.authorize(
          tokenId,
          namespace,
          path,
          method === "GET" ? readCaps : ["update"],
          body,
        );
        return this.issueCredentials(
          namespace,
          engine,
          state,
          creds[1] as "creds" | "sts",
          creds[2],
          token,
          body,
        );
      }
    }
    return { status: 404, body: { errors: [`no handler for route "${path}". route entry not found.`] } };
  }

  private async login(namespace: string, mount: string, body: Record<string, unknown>): Promise<Answer> {
    const auth = this.space(namespace).jwt.get(mount)!;
    const roleName = typeof body.role === "string" ? body.role : "";
    if (roleName === "") throw new VaultError(400, "missing role");
    const role = auth.roles.get(roleName);
    if (!role) throw new VaultError(400, `role "${roleName}" could not be found`);
    if (role.role_type === "oidc") throw new VaultError(400, "role with oidc role_type is not allowed");
    if (typeof body.jwt !== "string" || body.jwt === "") throw new VaultError(400, "missing token");
    // vault-plugin-auth-jwt path_login.go: token_bound_cidrs are checked before the token.
    if (!addressAllowed(this.clientAddress, role.token_bound_cidrs)) {
      throw new VaultError(403, "permission denied");
    }
    let claims: Readonly<Record<string, unknown>>;
    try {
      claims = await verifyJwt(body.jwt, auth.config, role);
    } catch (err) {
      throw new VaultError(400, err instanceof Error ? err.message : String(err));
    }
    const meta: Record<string, string> = { role: roleName };
    for (const [claim, name] of Object.entries(role.claim_mappings ?? {})) {
      if (claims[claim] !== undefined) meta[name] = text(claims[claim]);
    }
    const policies = [...(role.token_policies ?? []), ...(role.token_no_default_policy ? [] : ["default"])];
    const type = role.token_type === "batch" || role.token_type === "default-batch" ? "batch" : "service";
    const ttl = role.token_ttl ?? 3600;
    const token = this.mintToken(namespace, policies, type, ttl, meta, {
      ...(role.token_max_ttl ? { maxTtlSeconds: role.token_max_ttl } : {}),
      ...(role.token_bound_cidrs ? { boundCidrs: role.token_bound_cidrs } : {}),
      // vault/request_handling.go: the mount path ("/" -> "-") prefixed to the plugin's DisplayName,
      // which vault-plugin-auth-jwt path_login.go sets to the user_claim's value.
      displayName: `${mount}/`.replace(/\//g, "-") + text(claims[role.user_claim]),
    });
    return {
      status: 200,
      body: {
        request_id: random(12),
        auth: { ...this.authBody(token), entity_id: random(12), orphan: true },
      },
    };
  }

  /** The token store and ACL as the system endpoints (vault-double-sys.ts) use them. */
  private sysHost(namespace: string): SysHost {
    return {
      authorize: (tokenId, path, caps) => this.authorize(tokenId, namespace, path, caps),
      mint: ({ policies, ttlSeconds, root, meta }) => {
        if (!root) return this.mintToken(namespace, policies, "service", ttlSeconds, meta ?? {});
        const token: Token = {
          id: `hvs.${random(24)}`,
          accessor: random(24),
          namespace,
          policies: ["root"],
          type: "service",
          expiresAt: Number.POSITIVE_INFINITY,
          meta: {},
          root: true,
          issuedAt: Date.now(),
          ttlSeconds: 0,
          maxExpiresAt: Number.POSITIVE_INFINITY,
        };
        this.tokens.set(token.id, token);
        this.issued.add(token.id);
        return token;
      },
      authBody: (token) => this.authBody(this.tokens.get(token.id)!),
      revoke: (tokenId) => {
        const token = this.tokens.get(tokenId);
        if (!token) return;
        this.tokens.delete(tokenId);
        this.later(0, () => this.revokeLeasesOf(token.accessor));
      },
    };
  }

  /** The `auth` block Vault answers a login or a token renewal with. */
  private authBody(token: Token): Record<string, unknown> {
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: token.policies,
      token_policies: token.policies,
      metadata: token.meta,
      lease_duration: Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000)),
      renewable: token.type === "service",
      token_type: token.type,
    };
  }

  /**
   * A renewal's new expiry, as Vault's CalculateTTL: the increment (or, without one, the
   * backend's TTL) from now, capped at the max TTL counted from the issue time.
   */
  private renewedExpiry(entry: { ttlSeconds: number; maxExpiresAt: number }, increment: unknown): number {
    const asked = durationSeconds(increment);
    const ttl = asked !== undefined && asked > 0 ? asked : entry.ttlSeconds;
    return Math.min(Date.now() + ttl * 1000, entry.maxExpiresAt);
  }

  private mintToken(
    namespace: string,
    policies: readonly string[],
    type: "service" | "batch",
    ttlSeconds: number,
    meta: Record<string, string>,
    options: { maxTtlSeconds?: number; boundCidrs?: readonly string[]; displayName?: string } = {},
  ): Token {
    const now = Date.now();
    const maxExpiresAt = now + (options.maxTtlSeconds ?? SYSTEM_MAX_TTL_SECONDS) * 1000;
    const token: Token = {
      id: `${type === "batch" ? "hvb" : "hvs"}.${random(24)}`,
      accessor: random(24),
      namespace,
      policies,
      type,
      expiresAt: Math.min(now + ttlSeconds * 1000, maxExpiresAt),
      meta,
      root: false,
      issuedAt: now,
      ttlSeconds,
      maxExpiresAt,
      ...(options.boundCidrs ? { boundCidrs: options.boundCidrs } : {}),
      ...(options.displayName ? { displayName: options.displayName } : {}),
    };
    this.tokens.set(token.id, token);
    this.scheduleExpiry();
    this.issued.add(token.id);
    return token;
  }

  private tokenData(token: Token): Record<string, unknown> {
    return {
      accessor: token.accessor,
      policies: token.policies,
      meta: token.meta,
      ttl: Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000)),
      type: token.type,
      namespace_path: token.namespace === "" ? "" : `${token.namespace}/`,
    };
  }

  private rotateRoot(
    mount: string,
    state: { root: AwsRootConfig; rootUser?: string; roles: Map<string, AwsRole> },
  ): Answer {
    if (!state.root.access_key || !state.root.secret_key) {
      throw new VaultError(
        400,
        "cannot call config/rotate-root when either access_key or secret_key is empty",
      );
    }
    // Seeded with useAwsRootUser, or written over HTTP with a key of a user in the AWS double.
    const user = state.rootUser ?? this.aws.userOfAccessKey(state.root.access_key);
    if (!user)
      throw new VaultError(
        400,
        `error calling GetUser: the root key of ${mount} belongs to no known IAM user`,
      );
    const existing = this.aws.accessKeysOf(user);
    if (existing.length !== 1) {
      throw new VaultError(
        400,
        `error rotating root: user ${user} must have exactly one access key (has ${existing.length})`,
      );
    }
    const fresh = this.aws.createAccessKey(user);
    this.aws.deleteAccessKey(state.root.access_key);
    state.root = { ...state.root, access_key: fresh.accessKeyId, secret_key: fresh.secretAccessKey };
    return { status: 200, body: { data: { access_key: fresh.accessKeyId } } };
  }

  private issueCredentials(
    namespace: string,
    mount: string,
    state: { root: AwsRootConfig; rootUser?: string; roles: Map<string, AwsRole> },
    kind: "creds" | "sts",
    roleName: string,
    token: Token,
    body: Record<string, unknown>,
  ): Answer {
    const role = state.roles.get(roleName);
    if (!role) throw new VaultError(400, `Role "${roleName}" not found`);
    const type = role.credential_type;
    // Vault serves every type on both creds/ and sts/ (builtin/logical/aws/path_user.go
    // pathCredsRead; only roles migrated from legacy data refuse the other path).
    const leaseId = `${mount}/${kind}/${roleName}/${random(24)}`;
    const userName = iamUserName(state.root.username_template, token.displayName ?? "token", roleName);
    let data: Record<string, unknown>;
    let ttl: number;
    let accessKeyId: string;
    let iamUser: string | undefined;
    if (type === "iam_user") {
      ttl = role.default_ttl ?? 3600;
      this.aws.createUser(userName);
      const key = this.aws.createAccessKey(userName);
      accessKeyId = key.accessKeyId;
      iamUser = userName;
      data = { access_key: key.accessKeyId, secret_key: key.secretAccessKey, session_token: null };
    } else {
      // path_user.go: the request's ttl, else the role's default_sts_ttl, else the ttl field's
      // default of 3600 s; capped at max_sts_ttl (else the system max).
      const requested = body.ttl === undefined ? undefined : durationSeconds(body.ttl);
      ttl = Math.min(requested ?? role.default_sts_ttl ?? 3600, role.max_sts_ttl ?? SYSTEM_MAX_TTL_SECONDS);
      let arn: string;
      if (type === "assumed_role") {
        const arns = role.role_arns ?? [];
        const wanted = typeof body.role_arn === "string" && body.role_arn !== "" ? body.role_arn : undefined;
        if (wanted === undefined && arns.length !== 1) {
          throw new VaultError(400, `did not supply a role_arn parameter and unable to determine one`);
        }
        const roleArn = wanted ?? arns[0];
        if (!arns.includes(roleArn)) {
          throw new VaultError(
            400,
            `role_arn "${roleArn}" not in allowed role arns for Vault role "${roleName}"`,
          );
        }
        // secret_access_keys.go assumeRole: the caller's role_session_name, with characters
        // outside [a-zA-Z0-9+=,.@_-] replaced by "_" (normalizeDisplayName), else Vault's own name.
        const wantedSession =
          typeof body.role_session_name === "string" && body.role_session_name !== ""
            ? body.role_session_name.replace(/[^a-zA-Z0-9+=,.@_-]/g, "_")
            : userName;
        arn = `${roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/${wantedSession}`;
      } else if (type === "federation_token") {
        // genUsername's "sts" branch: the template with .Type "STS" (default vault-<unix>-<random 20>, cut to 32).
        arn = `arn:aws:sts::123456789012:federated-user/${`vault-${Math.floor(Date.now() / 1000)}-${random(20)}`.slice(0, 32)}`;
      } else {
        arn = `arn:aws:iam::123456789012:user/${state.rootUser ?? "vault-root"}`;
      }
      const sts = this.aws.issueStsCredentials(arn, ttl);
      accessKeyId = sts.accessKeyId;
      data = { access_key: sts.accessKeyId, secret_key: sts.secretAccessKey, arn };
      if (this.legacySecurityToken) data.security_token = sts.sessionToken;
      else data.session_token = sts.sessionToken;
    }
    const lease: Lease = {
      leaseId,
      namespace,
      mount,
      role: roleName,
      credentialType: type,
      issuedAt: Date.now(),
      expiresAt: Date.now() + ttl * 1000,
      ttlSeconds: ttl,
      maxExpiresAt:
        Date.now() + (type === "iam_user" ? (role.max_ttl ?? SYSTEM_MAX_TTL_SECONDS) : ttl) * 1000,
      tokenAccessor: token.accessor,
      userName: iamUser,
      accessKeyId,
      renewable: type === "iam_user",
    };
    this.leases.set(leaseId, lease);
    this.scheduleExpiry();
    for (const v of Object.values(data))
      if (typeof v === "string" && !v.startsWith("arn:")) this.issued.add(v);
    return {
      status: 200,
      body: {
        request_id: random(12),
        lease_id: leaseId,
        lease_duration: ttl,
        renewable: lease.renewable,
        data,
      },
    };
  }

  /** Backend revocation: deletes the IAM user for iam_user; STS credentials only expire. */
  private revokeLease(lease: Lease): void {
    if (!this.leases.has(lease.leaseId)) return;
    if (lease.userName !== undefined) {
      if (this.failUserDeletion) {
        throw new VaultError(
          400,
          `failed to revoke entry: resp: (*logical.Response)(nil) err: error deleting IAM user: DeleteConflict: Cannot delete entity, must delete login profile first.`,
        );
      }
      this.aws.deleteUser(lease.userName);
    }
    this.leases.delete(lease.leaseId);
  }

  private revokeLeasesOf(accessor: string): void {
    for (const lease of [...this.leases.values()]) {
      if (lease.tokenAccessor === accessor) {
        try {
          this.revokeLease(lease);
        } catch {
          // Vault keeps retrying a failed revocation in the background; the lease stays visible.
        }
      }
    }
  }

  private later(delayMs: number, work: () => void): void {
    const done = new Promise<void>((resolve) =>
      setTimeout(() => {
        try {
          work();
        } catch {
          // as above: the lease stays live and visible to liveLeases()
        }
        resolve();
      }, delayMs),
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  /** Vault's expiry manager: expired tokens and leases are revoked. */
  /**
   * Vault's expiration manager revokes at expiry on its own, not when someone next asks: one timer
   * for the earliest expiry (unref'd, so it never keeps a test process alive).
   */
  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const next = Math.min(
      ...[...this.tokens.values()].map((t) => t.expiresAt),
      ...[...this.leases.values()].map((l) => l.expiresAt),
    );
    if (!Number.isFinite(next) || !this.server) return;
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.expire();
        this.scheduleExpiry();
      },
      // setTimeout holds at most 2^31-1 ms (about 24.8 days); a longer expiry re-arms then.
      Math.min(2 ** 31 - 1, Math.max(0, next - Date.now()) + 5),
    );
    this.expiryTimer.unref();
  }

  private expire(): void {
    const now = Date.now();
    for (const token of [...this.tokens.values()]) {
      if (token.expiresAt <= now) {
        this.tokens.delete(token.id);
        this.revokeLeasesOf(token.accessor);
      }
    }
    for (const lease of [...this.leases.values()]) {
      if (lease.expiresAt <= now) {
        try {
          this.revokeLease(lease);
        } catch {
          // stays live, as above
        }
      }
    }
  }
}
