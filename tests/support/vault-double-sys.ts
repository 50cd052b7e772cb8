/**
 * The Vault double's system endpoints for a node that starts uninitialized with an auto-unseal
 * (awskms) seal, as the demo Vault does: `sys/init`, `sys/seal-status`, `sys/health`,
 * `sys/audit/<path>`, `auth/token/create` and the parent/child token tree that
 * `auth/token/revoke-self` revokes. Shapes, statuses and error texts follow Vault's handlers
 * (docs/upstream-behaviour.md#vault-system-endpoints).
 */
import { randomBytes } from "node:crypto";

export interface SysAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/** What the system endpoints need of the double's token store and ACL. */
export interface SysHost {
  /** ACL check of `path` for the token; throws Vault's 403 when refused; returns the token. */
  authorize(
    tokenId: string | undefined,
    path: string,
    caps: readonly ("update" | "read" | "sudo")[],
  ): SysToken;
  /** A new service token; `root` tokens carry the root policy. */
  mint(options: {
    policies: readonly string[];
    ttlSeconds: number;
    root?: boolean;
    meta?: Record<string, string>;
  }): SysToken;
  /** The `auth` block Vault answers a token creation with. */
  authBody(token: SysToken): Record<string, unknown>;
  /** Revokes a token (and its leases) by id. */
  revoke(tokenId: string): void;
}

export interface SysToken {
  readonly id: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly root: boolean;
}

export interface AuditDevice {
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
}

export class VaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A Vault duration (TypeDurationSecond): seconds as a number, or `30`, `90s`, `5m`, `768h`. */
function seconds(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const m = /^(\d+)([smh]?)$/.exec(typeof value === "string" ? value : "");
  if (!m) return undefined;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? ""];
}

function truthy(value: unknown): boolean {
  return value === true || value === "true";
}

/**
 * Initialization, seal and audit state of one node, and the token tree. `initialized` starts false
 * for a fresh node; every other path answers 503 "Vault is sealed" until `sys/init` has run.
 */
export class VaultSysState {
  initialized: boolean;
  sealed: boolean;
  readonly audit = new Map<string, AuditDevice>();
  /** Recovery keys handed out by sys/init (for assertions). */
  recoveryKeys: string[] = [];
  /** Child token id -> parent token id; orphans have none. */
  private readonly parents = new Map<string, string>();

  constructor(initialized: boolean) {
    this.initialized = initialized;
    this.sealed = !initialized;
  }

  /** Whether the node can serve anything but the unauthenticated status endpoints. */
  get serving(): boolean {
    return this.initialized && !this.sealed;
  }

  /** Tokens to revoke with `tokenId`: the token and, recursively, its non-orphan children. */
  treeOf(tokenId: string): string[] {
    const children = [...this.parents.entries()].filter(([, p]) => p === tokenId).map(([c]) => c);
    for (const child of children) this.parents.delete(child);
    return [...children.flatMap((c) => this.treeOf(c)), tokenId];
  }

  /** Routes a system request, or returns undefined when the path is not one of these. */
  route(
    host: SysHost,
    method: string,
    path: string,
    tokenId: string | undefined,
    body: Record<string, unknown>,
  ): SysAnswer | undefined {
    const write = method === "POST" || method === "PUT";
    if (path === "sys/init")
      return write ? this.init(host, body) : { status: 200, body: { initialized: this.initialized } };
    if (path === "sys/seal-status" && method === "GET") return { status: 200, body: this.sealStatus() };
    if (path === "sys/health" && method === "GET") return this.health();
    // An uninitialized node is sealed: everything else is refused (vault/http/handler.go).
    if (!this.serving) return { status: 503, body: { errors: ["Vault is sealed"] } };
    const audit = /^sys\/audit\/(.+)$/.exec(path);
    if (audit && write) return this.enableAudit(host, tokenId, path, audit[1], body);
    if (path === "sys/audit" && method === "GET") {
      host.authorize(tokenId, path, ["read", "sudo"]);
      const devices = Object.fromEntries(
        [...this.audit.entries()].map(([p, d]) => [`${p}/`, { ...d, path: `${p}/` }]),
      );
      return { status: 200, body: { ...devices, data: devices } };
    }
    if (path === "auth/token/create" && write) return this.createToken(host, tokenId, path, body);
    if (path === "auth/token/revoke-self" && write) {
      // Revoking a token revokes its non-orphan children (vault/token_store.go revokeTree); the
      // double's own handler then revokes the token itself.
      host.authorize(tokenId, path, ["update"]);
      for (const id of this.treeOf(tokenId!).slice(0, -1)) host.revoke(id);
    }
    return undefined;
  }

  private init(host: SysHost, body: Record<string, unknown>): SysAnswer {
    // vault/http/sys_init.go validateInitParameters: an auto-unseal node takes recovery_* only.
    const barrier = ["secret_shares", "secret_threshold", "stored_shares", "pgp_keys"].some(
      (k) => body[k] !== undefined && body[k] !== 0,
    );
    if (barrier) throw new VaultError(400, "parameters not specific to auto unseal seals present");
    if (this.initialized) throw new VaultError(400, "Vault is already initialized");
    const shares = Number(body.recovery_shares ?? 0);
    const threshold = Number(body.recovery_threshold ?? 0);
    // vault/init.go Initialize: a positive share count, then SealConfig.Validate's texts.
    if (shares < 1)
      throw new VaultError(400, "recovery configuration must specify a positive number of shares");
    const invalid = (why: string) => new VaultError(400, `invalid recovery configuration: ${why}`);
    if (threshold < 1) throw invalid("threshold must be at least one");
    if (shares > 1 && threshold === 1)
      throw invalid("threshold must be greater than one for multiple shares");
    if (threshold > shares) throw invalid("threshold cannot be larger than shares");
    const raw = Array.from({ length: shares }, () => randomBytes(33));
    this.initialized = true;
    // Auto-unseal: the node unseals itself with the KMS key right after init (UnsealWithStoredKeys).
    this.sealed = false;
    const root = host.mint({ policies: ["root"], ttlSeconds: 0, root: true });
    this.recoveryKeys = raw.map((k) => k.toString("base64"));
    return {
      status: 200,
      body: {
        keys: [],
        keys_base64: [],
        recovery_keys: raw.map((k) => k.toString("hex")),
        recovery_keys_base64: this.recoveryKeys,
        root_token: root.id,
      },
    };
  }

  private sealStatus(): Record<string, unknown> {
    return {
      type: "awskms",
      initialized: this.initialized,
      sealed: this.sealed,
      t: this.initialized ? 1 : 0,
      n: this.initialized ? 1 : 0,
      progress: 0,
      nonce: "",
      version: "1.20.0",
      build_date: "2025-06-23T10:21:30Z",
      migration: false,
      recovery_seal: true,
      storage_type: "raft",
      ...(this.serving ? { cluster_name: "vault-cluster-demo", cluster_id: "demo-cluster-id" } : {}),
    };
  }

  private health(): SysAnswer {
    // vault/http/sys_health.go: 501 uninitialized, 503 sealed, 200 active.
    const status = !this.initialized ? 501 : this.sealed ? 503 : 200;
    return {
      status,
      body: {
        initialized: this.initialized,
        sealed: this.sealed,
        standby: false,
        performance_standby: false,
        replication_performance_mode: "disabled",
        replication_dr_mode: "disabled",
        server_time_utc: Math.floor(Date.now() / 1000),
        version: "1.20.0",
        ...(this.sealed ? {} : { cluster_name: "vault-cluster-demo", cluster_id: "demo-cluster-id" }),
      },
    };
  }

  private enableAudit(
    host: SysHost,
    tokenId: string | undefined,
    path: string,
    name: string,
    body: Record<string, unknown>,
  ): SysAnswer {
    // sys/audit/* is a sudo path (vault/logical_system_paths.go).
    host.authorize(tokenId, path, ["update", "sudo"]);
    const type = typeof body.type === "string" ? body.type : "";
    // vault/audit.go newAuditBackend, builtin/audit/file/backend.go Factory (`path` is the old name).
    if (type !== "file" && type !== "syslog" && type !== "socket") {
      throw new VaultError(400, `unknown backend type: "${type}"`);
    }
    const options = (body.options ?? {}) as Record<string, string>;
    if (type === "file" && !options.file_path && !options.path) {
      throw new VaultError(400, "file_path is required");
    }
    const key = name.replace(/\/+$/, "");
    if (this.audit.has(key)) throw new VaultError(400, `path already in use`);
    this.audit.set(key, {
      type,
      description: typeof body.description === "string" ? body.description : "",
      options,
      local: truthy(body.local),
    });
    return { status: 204 };
  }

  private createToken(
    host: SysHost,
    tokenId: string | undefined,
    path: string,
    body: Record<string, unknown>,
  ): SysAnswer {
    const parent = host.authorize(tokenId, path, ["update"]);
    const asked = Array.isArray(body.policies) ? body.policies.map(String) : [];
    const noDefault = truthy(body.no_default_policy);
    const policies = [...new Set([...asked, ...(noDefault ? [] : ["default"])])].sort();
    // vault/token_store.go handleCreateCommon: only root (or sudo) may create orphans and periodic
    // tokens, or set policies outside its own.
    if (!parent.root) {
      if (truthy(body.no_parent))
        throw new VaultError(400, "root or sudo privileges required to create orphan token");
      if (body.period !== undefined)
        throw new VaultError(400, "root or sudo privileges required to create periodic token");
      const outside = policies.filter((p) => p !== "default" && !parent.policies.includes(p));
      if (outside.length > 0) throw new VaultError(400, "child policies must be subset of parent");
    }
    if (policies.length === 0) throw new VaultError(400, "token must have at least one policy");
    const period = seconds(body.period);
    const ttl = period ?? seconds(body.ttl) ?? 768 * 3600;
    const meta = (body.meta ?? {}) as Record<string, string>;
    const token = host.mint({ policies, ttlSeconds: ttl, meta });
    if (!truthy(body.no_parent)) this.parents.set(token.id, tokenId!);
    return {
      status: 200,
      body: {
        request_id: randomBytes(8).toString("hex"),
        lease_id: "",
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings: null,
        auth: { ...host.authBody(token), orphan: truthy(body.no_parent), num_uses: 0, entity_id: "" },
      },
    };
  }
}
