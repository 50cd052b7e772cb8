/**
 * The one HCP Terraform API v2 double (docs/upstream-behaviour.md "HCP Terraform API"; the fields
 * it may answer are in tfc-api-shapes.ts): an in-process HTTP server on 127.0.0.1 with JSON:API
 * shapes, 401 for a bad token, 404 for missing objects (and organizations), 409 from safe-delete
 * while a workspace manages resources, 422 with `source.pointer` for validation, pagination
 * (`page[number]`, `page[size]` <= 100, `links.next`, `meta.pagination`), a log of requests and
 * answers, an optional 30 requests/s limit (429 with `X-RateLimit-Reset`), and fault injection
 * (429 with `X-RateLimit-Reset` or `Retry-After`, 5xx, slow responses).
 * Workspaces report their pool only as `relationships["agent-pool"]`, inherit the organization's
 * default execution mode unless `setting-overwrites` says otherwise, and are refused agent mode
 * on a pool that is not organization-scoped until the pool allows them (422 with the API's text
 * and no pointer: hashicorp/terraform-provider-tfe#1111). Agent pools: PATCH replaces the
 * `allowed-workspaces` relationship as a whole. Variable sets, their variables and their
 * workspace/project attachments follow variable-sets.mdx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  /** Arrival time (ms since the epoch), for rate measurements in benchmarks. */
  readonly at: number;
  readonly method: string;
  /** Path without the query string, e.g. `/api/v2/workspaces/ws-1`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  /** What the double answered (status and parsed body), once sent. */
  response?: { status: number; body: unknown };
}

/** One injected fault; applies to the next `times` requests it matches. */
export interface Fault {
  /** Defaults to every request. */
  readonly match?: (req: { method: string; path: string }) => boolean;
  times: number;
  /** Answer with this status (429 or 5xx) instead of handling the request. */
  readonly status?: number;
  /** `Retry-After` header value in seconds, for 429/503 (not documented by HCP Terraform). */
  readonly retryAfter?: string;
  /** `X-RateLimit-Reset` header value in seconds, for 429 (the header go-tfe reads). */
  readonly rateLimitReset?: string;
  /** Wait this long before answering (handled normally unless `status` is set too). */
  readonly delayMs?: number;
  /** Answer with this body instead of the default error document (e.g. a malformed success). */
  readonly body?: unknown;
}

type Attrs = Record<string, unknown>;
interface Stored {
  id: string;
  type: string;
  attributes: Attrs;
  relationships: Record<string, { data: unknown }>;
  /** Parent: org name for pools/workspaces, pool id for tokens, workspace id for vars. */
  owner: string;
}

const PREFIX = "/api/v2";

export class TfcApiDouble {
  readonly validToken: string;
  readonly organizations = new Set<string>(["acme"]);
  /** Projects (`prj-...`) -> their organization, for variable-set attachments. */
  readonly projects = new Map<string, string>([["prj-default", "acme"]]);
  readonly log: LoggedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Workspaces whose safe-delete answers 409 (they "manage resources"). */
  readonly managingResources = new Set<string>();
  /**
   * Organization default execution mode (organizations.mdx `default-execution-mode`,
   * `default-agent-pool`); "remote" without a pool when unset.
   */
  readonly organizationDefaults = new Map<string, { executionMode: string; agentPoolId: string | null }>();
  /** When set, more requests than this within one second answer 429, as the API does. */
  rateLimitPerSecond?: number;
  /** How many requests the rate limit refused. */
  rateLimited = 0;
  private readonly window: number[] = [];
  private readonly objects = new Map<string, Stored>();
  private server?: Server;
  private seq = 0;
  url = "";

  constructor(validToken = "tfc-test-token-0123456789") {
    this.validToken = validToken;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Forgets objects, log and faults between tests. */
  reset(): void {
    this.objects.clear();
    this.log.length = 0;
    this.faults.length = 0;
    this.managingResources.clear();
    this.organizationDefaults.clear();
    this.projects.clear();
    this.projects.set("prj-default", "acme");
    this.rateLimitPerSecond = undefined;
    this.rateLimited = 0;
    this.window.length = 0;
  }

  /** Requests whose method and path match (path may be a RegExp over the `/api/v2/...` path). */
  requests(method?: string, path?: string | RegExp): LoggedRequest[] {
    return this.log.filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (path === undefined || (typeof path === "string" ? r.path === path : path.test(r.path))),
    );
  }

  /** A stored object as the API would return it, for assertions and for seeding drift. */
  get(id: string): Stored | undefined {
    return this.objects.get(id);
  }

  /** Seeds an object directly (e.g. a pre-existing workspace, or many for pagination). */
  seed(type: string, owner: string, attributes: Attrs, relationships: Stored["relationships"] = {}): Stored {
    const prefix = {
      "agent-pools": "apool",
      "authentication-tokens": "at",
      workspaces: "ws",
      vars: "var",
      varsets: "varset",
    }[type];
    const obj: Stored = { id: `${prefix ?? "x"}-${this.nextId()}`, type, attributes, relationships, owner };
    if (type === "workspaces") this.normalizeWorkspace(obj);
    this.objects.set(obj.id, obj);
    return obj;
  }

  /**
   * The agent pool of a workspace as the API reports it: `relationships["agent-pool"].data.id`
   * (never an attribute: go-tfe PR #815), or null.
   */
  poolOf(workspaceId: string): string | null {
    const data = this.objects.get(workspaceId)?.relationships["agent-pool"]?.data as { id?: string } | null;
    return data?.id ?? null;
  }

  /**
   * A workspace seeded with the request-only `agent-pool-id` attribute stores it as the
   * `agent-pool` relationship, as the API does; `setting-overwrites` defaults to "set on the
   * workspace" for a seeded mode, "inherited" otherwise.
   */
  private normalizeWorkspace(ws: Stored): void {
    const a = ws.attributes;
    const pool = a["agent-pool-id"];
    delete a["agent-pool-id"];
    if (!ws.relationships["agent-pool"]) {
      ws.relationships["agent-pool"] = {
        data: typeof pool === "string" && pool !== "" ? { id: pool, type: "agent-pools" } : null,
      };
    }
    if (a["setting-overwrites"] === undefined) {
      const explicit = a["execution-mode"] !== undefined;
      a["setting-overwrites"] = { "execution-mode": explicit, "agent-pool": explicit };
    }
    if (a["execution-mode"] === undefined) {
      const d = this.orgDefault(ws.owner);
      a["execution-mode"] = d.executionMode;
      ws.relationships["agent-pool"] = {
        data: d.agentPoolId ? { id: d.agentPoolId, type: "agent-pools" } : null,
      };
    }
  }

  /** The organization's default execution mode and pool, which workspaces inherit. */
  orgDefault(org: string): { executionMode: string; agentPoolId: string | null } {
    return this.organizationDefaults.get(org) ?? { executionMode: "remote", agentPoolId: null };
  }

  private nextId(): string {
    this.seq += 1;
    return `D${String(this.seq).padStart(15, "0")}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const raw = await new Promise<string>((resolve) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (text += c));
      req.on("end", () => resolve(text));
    });
    let body: unknown;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const method = req.method ?? "GET";
    const entry: LoggedRequest = {
      at: Date.now(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      headers: { ...req.headers },
      body,
    };
    this.log.push(entry);

    const fault = this.faults.find(
      (f) => f.times > 0 && (!f.match || f.match({ method, path: url.pathname })),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) {
        const headers: Record<string, string> = { "Content-Type": "application/vnd.api+json" };
        if (fault.retryAfter !== undefined) headers["Retry-After"] = fault.retryAfter;
        if (fault.rateLimitReset !== undefined) headers["X-RateLimit-Reset"] = fault.rateLimitReset;
        if (res.destroyed) return;
        res.writeHead(fault.status, headers);
        const body =
          fault.status === 429
            ? RATE_LIMITED
            : { errors: [{ status: String(fault.status), title: "internal server error" }] };
        entry.response = { status: fault.status, body: fault.body ?? body };
        res.end(JSON.stringify(fault.body ?? body));
        return;
      }
      if (res.destroyed) return;
    }

    if (this.rateLimitPerSecond !== undefined) {
      // 30 requests/s per user (api-docs/index.mdx "Rate limits"), counted over the last second.
      const now = Date.now();
      while (this.window.length > 0 && this.window[0] <= now - 1000) this.window.shift();
      if (this.window.length >= this.rateLimitPerSecond) {
        this.rateLimited += 1;
        const resetSeconds = Math.max(this.window[0] + 1000 - now, 1) / 1000;
        if (res.destroyed) return;
        res.writeHead(429, {
          "Content-Type": "application/vnd.api+json",
          "X-RateLimit-Limit": String(this.rateLimitPerSecond),
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": resetSeconds.toFixed(3),
        });
        entry.response = { status: 429, body: RATE_LIMITED };
        res.end(JSON.stringify(RATE_LIMITED));
        return;
      }
      this.window.push(now);
    }
    if (req.headers.authorization !== `Bearer ${this.validToken}`) {
      return send(res, 401, { errors: [{ status: "401", title: "unauthorized" }] }, entry);
    }
    if (!url.pathname.startsWith(PREFIX)) return send(res, ...notFoundBody(), entry);
    try {
      const [status, payload] = this.route(method, url.pathname.slice(PREFIX.length), url.searchParams, body);
      send(res, status, payload, entry);
    } catch {
      send(res, 500, { errors: [{ status: "500", title: "internal server error" }] }, entry);
    }
  }

  private route(method: string, path: string, query: URLSearchParams, body: unknown): [number, unknown] {
    const seg = path.split("/").filter(Boolean).map(decodeURIComponent);
    const data = (
      body as { data?: { type?: string; attributes?: Attrs; relationships?: Stored["relationships"] } }
    )?.data;
    const withBody = (): [number, unknown] | undefined => (data ? undefined : malformed());

    // /organizations/:org/agent-pools
    if (seg[0] === "organizations" && seg[2] === "agent-pools" && seg.length === 3) {
      if (!this.organizations.has(seg[1])) return notFoundBody();
      if (method === "GET") return this.page(path, query, this.children("agent-pools", seg[1]));
      if (method === "POST") {
        const bad = withBody() ?? this.expectType(data, "agent-pools");
        if (bad) return bad;
        const name = data!.attributes?.name;
        if (typeof name !== "string" || name === "")
          return invalid("/data/attributes/name", "Name can't be blank");
        if (this.children("agent-pools", seg[1]).some((p) => p.attributes.name === name)) {
          return invalid("/data/attributes/name", "Name has already been taken");
        }
        const pool = this.seed(
          "agent-pools",
          seg[1],
          {
            name,
            "created-at": new Date(0).toISOString(),
            "organization-scoped": data!.attributes?.["organization-scoped"] ?? true,
            "agent-count": 0,
          },
          {
            "allowed-workspaces": { data: relData(data!.relationships?.["allowed-workspaces"]) },
          },
        );
        return [201, { data: this.render(pool) }];
      }
    }
    // /agent-pools/:id and /agent-pools/:id/authentication-tokens
    if (seg[0] === "agent-pools" && seg.length >= 2) {
      const pool = this.objects.get(seg[1]);
      if (!pool || pool.type !== "agent-pools") return notFoundBody();
      if (seg.length === 2) {
        if (method === "GET") return [200, { data: this.render(pool) }];
        if (method === "PATCH") {
          const bad = withBody() ?? this.expectType(data, "agent-pools");
          if (bad) return bad;
          const allowed = data!.relationships?.["allowed-workspaces"];
          // The relationship is replaced as a whole (the tfe provider sends the full set).
          const unknown = allowed ? this.unknownWorkspace(pool.owner, relData(allowed)) : undefined;
          if (unknown) return unknown;
          Object.assign(pool.attributes, data!.attributes ?? {});
          if (allowed) pool.relationships["allowed-workspaces"] = { data: relData(allowed) };
          return [200, { data: this.render(pool) }];
        }
        if (method === "DELETE") {
          this.objects.delete(pool.id);
          return [204, undefined];
        }
      }
      if (seg[2] === "authentication-tokens" && seg.length === 3) {
        if (method === "GET") {
          return this.page(
            path,
            query,
            this.children("authentication-tokens", pool.id).map((t) => this.withoutToken(t)),
          );
        }
        if (method === "POST") {
          const bad = withBody() ?? this.expectType(data, "authentication-tokens");
          if (bad) return bad;
          const token = this.seed("authentication-tokens", pool.id, {
            description: data!.attributes?.description ?? null,
            "created-at": new Date(0).toISOString(),
            "last-used-at": null,
            token: `agent-secret-${this.nextId()}`,
          });
          return [201, { data: this.render(token) }];
        }
      }
    }
    if (seg[0] === "authentication-tokens" && seg.length === 2 && method === "DELETE") {
      const token = this.objects.get(seg[1]);
      if (!token || token.type !== "authentication-tokens") return notFoundBody();
      this.objects.delete(token.id);
      return [204, undefined];
    }
    // /organizations/:org/workspaces[/:name]
    if (seg[0] === "organizations" && seg[2] === "workspaces") {
      if (!this.organizations.has(seg[1])) return notFoundBody();
      if (seg.length === 4 && method === "GET") {
        const ws = this.children("workspaces", seg[1]).find((w) => w.attributes.name === seg[3]);
        return ws ? [200, { data: this.render(ws) }] : notFoundBody();
      }
      if (seg.length === 3 && method === "POST") {
        const bad = withBody() ?? this.expectType(data, "workspaces");
        if (bad) return bad;
        const project =
          (data!.relationships?.project?.data as { id?: string } | undefined)?.id ?? "prj-default";
        const draft: Stored = {
          id: "",
          type: "workspaces",
          owner: seg[1],
          attributes: {
            "auto-apply": false,
            "queue-all-runs": false,
            "terraform-version": "1.9.5",
            "working-directory": "",
            description: null,
            "vcs-repo": null,
          },
          relationships: {
            organization: { data: { id: seg[1], type: "organizations" } },
            project: { data: { id: project, type: "projects" } },
            "agent-pool": { data: null },
          },
        };
        const problem = this.writeWorkspace(draft, data!.attributes ?? {}, true);
        if (problem) return problem;
        const ws = this.seed("workspaces", seg[1], draft.attributes, draft.relationships);
        return [201, { data: this.render(ws) }];
      }
    }
    const varsets = this.routeVarsets(method, path, seg, query, body, data);
    if (varsets) return varsets;
    // /workspaces/:id[...]
    if (seg[0] === "workspaces" && seg.length >= 2) {
      const ws = this.objects.get(seg[1]);
      if (!ws || ws.type !== "workspaces") return notFoundBody();
      if (seg[2] === "varsets" && seg.length === 3 && method === "GET") {
        const project = (ws.relationships.project?.data as { id?: string } | undefined)?.id;
        return this.page(
          path,
          query,
          this.children("varsets", ws.owner)
            .filter(
              (v) =>
                v.attributes.global === true ||
                relData(v.relationships.workspaces).some((w) => (w as { id?: string }).id === ws.id) ||
                relData(v.relationships.projects).some((p) => (p as { id?: string }).id === project),
            )
            .map((v) => this.render(v)),
        );
      }
      if (seg.length === 2) {
        if (method === "GET") return [200, { data: this.render(ws) }];
        if (method === "PATCH") {
          const bad = withBody() ?? this.expectType(data, "workspaces");
          if (bad) return bad;
          const problem = this.writeWorkspace(ws, data!.attributes ?? {}, false);
          if (problem) return problem;
          const project = data!.relationships?.project;
          if (project) ws.relationships.project = { data: project.data };
          return [200, { data: this.render(ws) }];
        }
        if (method === "DELETE") {
          this.deleteWorkspace(ws);
          return [204, undefined];
        }
      }
      if (seg[2] === "actions" && seg[3] === "safe-delete" && method === "POST") {
        if (this.managingResources.has(ws.id)) {
          return [
            409,
            {
              errors: [
                { status: "409", title: "conflict", detail: "Workspace is currently managing resources" },
              ],
            },
          ];
        }
        this.deleteWorkspace(ws);
        return [204, undefined];
      }
      if (seg[2] === "vars") return this.routeVars(method, path, query, ws, seg[3], data);
    }
    return notFoundBody();
  }

  /**
   * Variable sets (variable-sets.mdx; go-tfe variable_set.go, variable_set_variable.go):
   * POST|GET /organizations/:org/varsets, GET|PATCH|DELETE /varsets/:id,
   * /varsets/:id/relationships/vars[/:var_id], POST|DELETE /varsets/:id/relationships/
   * {workspaces|projects} with `{"data":[{type,id}]}` (204), GET /projects/:id/varsets.
   * Undefined when the path is not one of these.
   */
  private routeVarsets(
    method: string,
    path: string,
    seg: string[],
    query: URLSearchParams,
    body: unknown,
    data: { type?: string; attributes?: Attrs } | undefined,
  ): [number, unknown] | undefined {
    if (seg[0] === "organizations" && seg[2] === "varsets" && seg.length === 3) {
      if (!this.organizations.has(seg[1])) return notFoundBody();
      if (method === "GET")
        return this.page(
          path,
          query,
          this.children("varsets", seg[1]).map((v) => this.render(v)),
        );
      if (method === "POST") {
        const bad = (data ? undefined : malformed()) ?? this.expectType(data, "varsets");
        if (bad) return bad;
        const attrs = data!.attributes ?? {};
        const problem = this.varsetProblem(seg[1], attrs, undefined);
        if (problem) return problem;
        const set = this.seed(
          "varsets",
          seg[1],
          {
            name: attrs.name,
            description: attrs.description ?? "",
            global: attrs.global ?? false,
            priority: attrs.priority ?? false,
            "updated-at": new Date(0).toISOString(),
          },
          {
            organization: { data: { id: seg[1], type: "organizations" } },
            workspaces: { data: [] },
            projects: { data: [] },
          },
        );
        // The docs give 200 for a created variable set.
        return [200, { data: this.render(set) }];
      }
    }
    if (seg[0] === "projects" && seg[2] === "varsets" && seg.length === 3 && method === "GET") {
      const org = this.projects.get(seg[1]);
      if (org === undefined) return notFoundBody();
      return this.page(
        path,
        query,
        this.children("varsets", org)
          .filter(
            (v) =>
              v.attributes.global === true ||
              relData(v.relationships.projects).some((p) => (p as { id?: string }).id === seg[1]),
          )
          .map((v) => this.render(v)),
      );
    }
    if (seg[0] !== "varsets" || seg.length < 2) return undefined;
    const set = this.objects.get(seg[1]);
    if (!set || set.type !== "varsets") return notFoundBody();
    if (seg.length === 2) {
      if (method === "GET") return [200, { data: this.render(set) }];
      if (method === "PATCH") {
        const bad = (data ? undefined : malformed()) ?? this.expectType(data, "varsets");
        if (bad) return bad;
        const attrs = { ...set.attributes, ...(data!.attributes ?? {}) };
        const problem = this.varsetProblem(set.owner, attrs, set.id);
        if (problem) return problem;
        set.attributes = attrs;
        // An empty relationship list clears the assignments (variable-sets.mdx "Update").
        for (const rel of ["workspaces", "projects"] as const) {
          const sent = (body as { data?: { relationships?: Record<string, { data?: unknown }> } })?.data
            ?.relationships?.[rel];
          if (sent) set.relationships[rel] = { data: relData(sent) };
        }
        return [200, { data: this.render(set) }];
      }
      if (method === "DELETE") {
        for (const v of this.children("vars", set.id)) this.objects.delete(v.id);
        this.objects.delete(set.id);
        return [204, undefined];
      }
    }
    if (seg[2] === "relationships" && seg[3] === "vars") {
      return this.routeVars(method, path, query, set, seg[4], data);
    }
    if (
      seg[2] === "relationships" &&
      (seg[3] === "workspaces" || seg[3] === "projects") &&
      seg.length === 4
    ) {
      const kind = seg[3];
      const entries = (body as { data?: unknown })?.data;
      if (!Array.isArray(entries) || entries.length === 0) return malformed();
      if (set.attributes.global === true) {
        return [
          422,
          {
            errors: [
              { status: "422", title: "invalid attribute", detail: "Global variable sets cannot be applied" },
            ],
          },
        ];
      }
      for (const e of entries as { type?: string; id?: string }[]) {
        const known =
          kind === "workspaces"
            ? this.objects.get(String(e?.id))?.type === "workspaces"
            : this.projects.get(String(e?.id)) === set.owner;
        if (e?.type !== kind || !known) {
          return [
            422,
            {
              errors: [
                { status: "422", title: "invalid attribute", detail: `${String(e?.id)} was not found` },
              ],
            },
          ];
        }
      }
      const current = relData(set.relationships[kind]) as { id?: string }[];
      const ids = (entries as { id: string }[]).map((e) => e.id);
      if (method === "POST") {
        const added = ids.filter((id) => !current.some((c) => c.id === id)).map((id) => ({ id, type: kind }));
        set.relationships[kind] = { data: [...current, ...added] };
        return [204, undefined];
      }
      if (method === "DELETE") {
        set.relationships[kind] = { data: current.filter((c) => !ids.includes(String(c.id))) };
        return [204, undefined];
      }
    }
    return notFoundBody();
  }

  private varsetProblem(
    org: string,
    attrs: Attrs,
    selfId: string | undefined,
  ): [number, unknown] | undefined {
    if (typeof attrs.name !== "string" || attrs.name.trim() === "") {
      return invalid("/data/attributes/name", "Name can't be blank");
    }
    if (this.children("varsets", org).some((v) => v.id !== selfId && v.attributes.name === attrs.name)) {
      return invalid("/data/attributes/name", "Name has already been taken");
    }
    return undefined;
  }

  private routeVars(
    method: string,
    path: string,
    query: URLSearchParams,
    ws: Stored,
    varId: string | undefined,
    data: { type?: string; attributes?: Attrs } | undefined,
  ): [number, unknown] {
    // A workspace's variables name it as `configurable` (workspace-variables.mdx); a variable
    // set's name it as `varset` (variable-sets.mdx "List Variables in a Variable Set").
    const parentRel =
      ws.type === "varsets"
        ? {
            varset: {
              data: { id: ws.id, type: "varsets" },
              links: { related: `${PREFIX}/varsets/${ws.id}` },
            },
          }
        : {
            configurable: {
              data: { id: ws.id, type: "workspaces" },
              links: {
                related: `${PREFIX}/organizations/${ws.owner}/workspaces/${String(ws.attributes.name)}`,
              },
            },
          };
    const created = ws.type === "varsets" ? 200 : 201;
    if (varId === undefined) {
      if (method === "GET")
        return this.page(
          path,
          query,
          this.children("vars", ws.id).map((v) => this.renderVar(v)),
        );
      if (method === "POST") {
        if (!data) return malformed();
        const bad = this.expectType(data, "vars");
        if (bad) return bad;
        const attrs = data.attributes ?? {};
        const problem = this.varProblem(ws.id, attrs, undefined);
        if (problem) return problem;
        const v = this.seed(
          "vars",
          ws.id,
          {
            key: attrs.key,
            value: attrs.value ?? "",
            category: attrs.category,
            sensitive: attrs.sensitive ?? false,
            hcl: attrs.hcl ?? false,
            description: attrs.description ?? null,
            "version-id": this.nextId().toLowerCase(),
          },
          parentRel as unknown as Stored["relationships"],
        );
        return [created, { data: this.renderVar(v) }];
      }
    }
    const v = varId === undefined ? undefined : this.objects.get(varId);
    if (!v || v.type !== "vars" || v.owner !== ws.id) return notFoundBody();
    if (method === "PATCH") {
      if (!data) return malformed();
      const attrs = { ...v.attributes, ...(data.attributes ?? {}) };
      if (v.attributes.sensitive === true && attrs.sensitive === false) {
        return invalid("/data/attributes/sensitive", "Sensitive cannot be changed from true to false");
      }
      const problem = this.varProblem(ws.id, attrs, v.id);
      if (problem) return problem;
      v.attributes = attrs;
      return [200, { data: this.renderVar(v) }];
    }
    if (method === "DELETE") {
      this.objects.delete(v.id);
      return [204, undefined];
    }
    return notFoundBody();
  }

  /**
   * Applies a create (POST) or update (PATCH) body to a workspace, or answers the API's refusal
   * without changing it (docs/upstream-behaviour.md "HCP Terraform API"). `agent-pool-id` is a
   * request attribute only: it is stored as the `agent-pool` relationship. A literal
   * `execution-mode` sets the overwrite flags; `setting-overwrites: {execution-mode: false}`
   * returns the workspace to the organization default; `agent-pool-id: ""` (or null) clears
   * the pool (terraform-provider-tfe resource_tfe_workspace_settings.go).
   */
  private writeWorkspace(ws: Stored, body: Attrs, creating: boolean): [number, unknown] | undefined {
    const rest: Attrs = { ...body };
    for (const k of ["execution-mode", "agent-pool-id", "setting-overwrites", "vcs-repo"]) delete rest[k];
    const name = body.name ?? ws.attributes.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]+$/.test(name)) {
      return invalid("/data/attributes/name", "Name is invalid: only letters, numbers, - and _ are allowed");
    }
    if (this.children("workspaces", ws.owner).some((w) => w.id !== ws.id && w.attributes.name === name)) {
      return invalid("/data/attributes/name", "Name has already been taken");
    }
    const current = (ws.attributes["setting-overwrites"] ?? {}) as Attrs;
    const sent = (body["setting-overwrites"] ?? {}) as Attrs;
    const explicitMode = body["execution-mode"] !== undefined;
    const overwriteMode =
      typeof sent["execution-mode"] === "boolean"
        ? sent["execution-mode"] || explicitMode
        : explicitMode || (!creating && current["execution-mode"] === true);
    let mode: unknown;
    let pool: string | null;
    if (!overwriteMode) {
      const d = this.orgDefault(ws.owner);
      mode = d.executionMode;
      pool = d.agentPoolId;
    } else {
      mode = body["execution-mode"] ?? ws.attributes["execution-mode"];
      const sentPool = body["agent-pool-id"];
      pool =
        "agent-pool-id" in body
          ? typeof sentPool === "string" && sentPool !== ""
            ? sentPool
            : null
          : this.poolOf(ws.id);
      if (!(typeof mode === "string" && ["remote", "local", "agent"].includes(mode))) {
        return invalid("/data/attributes/execution-mode", "Execution mode is not included in the list");
      }
      if (pool !== null && mode !== "agent") {
        return invalid(
          "/data/attributes/agent-pool-id",
          "Agent pool must not be specified unless using 'agent' execution mode",
        );
      }
      if (mode === "agent" && !(pool !== null && this.objects.get(pool)?.type === "agent-pools")) {
        return invalid("/data/attributes/agent-pool-id", "Agent pool is required for 'agent' execution mode");
      }
      if (mode === "agent" && !this.poolAllows(pool!, creating ? undefined : ws.id)) {
        // The API's own text (hashicorp/terraform-provider-tfe#1111: "invalid attribute"); the
        // error's source.pointer is not documented, so the double sends none.
        return [
          422,
          {
            errors: [
              {
                status: "422",
                title: "invalid attribute",
                detail: "Agent pool workspace does not have access to use this agent pool",
              },
            ],
          },
        ];
      }
    }
    Object.assign(ws.attributes, rest, {
      name,
      "execution-mode": mode,
      "setting-overwrites": { "execution-mode": overwriteMode, "agent-pool": overwriteMode },
    });
    if (body["vcs-repo"]) ws.attributes["vcs-repo"] = this.vcsRepo(body["vcs-repo"] as Attrs);
    ws.relationships["agent-pool"] = { data: pool ? { id: pool, type: "agent-pools" } : null };
    return undefined;
  }

  /**
   * Whether a workspace may run on a pool: every workspace for an organization-scoped pool, only
   * the pool's allowed workspaces otherwise. A workspace being created has no id yet, so a
   * restricted pool refuses it in agent mode (the cycle the tfe provider's issue #1111 reports).
   */
  private poolAllows(poolId: string, workspaceId: string | undefined): boolean {
    const pool = this.objects.get(poolId)!;
    if (pool.attributes["organization-scoped"] !== false) return true;
    const allowed = relData(pool.relationships["allowed-workspaces"]) as { id?: string }[];
    return workspaceId !== undefined && allowed.some((w) => w.id === workspaceId);
  }

  /** 422 when an allowed-workspaces entry is not a workspace of the pool's organization. */
  private unknownWorkspace(org: string, entries: unknown[]): [number, unknown] | undefined {
    for (const entry of entries as { id?: string; type?: string }[]) {
      const ws = entry?.id === undefined ? undefined : this.objects.get(entry.id);
      if (entry?.type !== "workspaces" || !ws || ws.type !== "workspaces" || ws.owner !== org) {
        return invalid(
          "/data/relationships/allowed-workspaces",
          `Allowed workspaces contains ${String(entry?.id)}, which is not a workspace of this organization`,
        );
      }
    }
    return undefined;
  }

  private varProblem(wsId: string, attrs: Attrs, selfId: string | undefined): [number, unknown] | undefined {
    if (typeof attrs.key !== "string" || attrs.key === "")
      return invalid("/data/attributes/key", "Key can't be blank");
    if (!["env", "terraform"].includes(String(attrs.category))) {
      return invalid("/data/attributes/category", "Category is not included in the list");
    }
    const clash = this.children("vars", wsId).some(
      (v) => v.id !== selfId && v.attributes.key === attrs.key && v.attributes.category === attrs.category,
    );
    return clash ? invalid("/data/attributes/key", "Key has already been taken") : undefined;
  }

  private deleteWorkspace(ws: Stored): void {
    for (const v of this.children("vars", ws.id)) this.objects.delete(v.id);
    // A deleted workspace no longer appears in any pool's allowed workspaces.
    for (const set of this.children("varsets", ws.owner)) {
      const applied = relData(set.relationships.workspaces) as { id?: string }[];
      set.relationships.workspaces = { data: applied.filter((w) => w.id !== ws.id) };
    }
    for (const pool of this.children("agent-pools", ws.owner)) {
      const allowed = relData(pool.relationships["allowed-workspaces"]) as { id?: string }[];
      pool.relationships["allowed-workspaces"] = { data: allowed.filter((w) => w.id !== ws.id) };
    }
    this.objects.delete(ws.id);
  }

  private vcsRepo(input: Attrs): Attrs {
    return {
      branch: input.branch ?? "",
      identifier: input.identifier,
      "display-identifier": input.identifier,
      "oauth-token-id": input["oauth-token-id"] ?? null,
      "github-app-installation-id": input["github-app-installation-id"] ?? null,
      "ingress-submodules": false,
      "repository-http-url": `https://github.com/${String(input.identifier)}`,
    };
  }

  private expectType(data: { type?: string } | undefined, type: string): [number, unknown] | undefined {
    return data?.type === type ? undefined : invalid("/data/type", `Type must be ${type}`);
  }

  private children(type: string, owner: string): Stored[] {
    return [...this.objects.values()].filter((o) => o.type === type && o.owner === owner);
  }

  private render(o: Stored): unknown {
    const links: Record<string, string> = { self: `${PREFIX}/${o.type}/${o.id}` };
    if (o.type === "workspaces")
      links["self-html"] = `/app/${o.owner}/workspaces/${String(o.attributes.name)}`;
    if (o.type === "varsets") {
      // variable-sets.mdx "Show Variable Set": counts, and the vars as a relationship.
      const vars = this.children("vars", o.id).map((v) => ({ id: v.id, type: "vars" }));
      return {
        id: o.id,
        type: o.type,
        attributes: {
          ...o.attributes,
          "var-count": vars.length,
          "workspace-count": relData(o.relationships.workspaces).length,
          "project-count": relData(o.relationships.projects).length,
        },
        relationships: { ...o.relationships, vars: { data: vars } },
        links,
      };
    }
    return { id: o.id, type: o.type, attributes: o.attributes, relationships: o.relationships, links };
  }

  /** Sensitive values are write-only: the API returns null for them. */
  private renderVar(v: Stored): unknown {
    const rendered = this.render(v) as { attributes: Attrs };
    return {
      ...rendered,
      attributes: { ...v.attributes, value: v.attributes.sensitive ? null : v.attributes.value },
    };
  }

  /** The token secret is shown once, at creation: listings never carry it. */
  private withoutToken(t: Stored): unknown {
    const rendered = this.render(t) as { attributes: Attrs };
    const attributes = { ...rendered.attributes };
    delete attributes.token;
    return { ...rendered, attributes };
  }

  private page(path: string, query: URLSearchParams, items: unknown[]): [number, unknown] {
    const size = Math.min(Math.max(Number(query.get("page[size]") ?? 20) || 20, 1), 100);
    const number = Math.max(Number(query.get("page[number]") ?? 1) || 1, 1);
    const totalPages = Math.max(Math.ceil(items.length / size), 1);
    const link = (n: number) => `${this.url}${PREFIX}${path}?page%5Bnumber%5D=${n}&page%5Bsize%5D=${size}`;
    return [
      200,
      {
        data: items.slice((number - 1) * size, number * size),
        links: {
          self: link(number),
          first: link(1),
          prev: number > 1 ? link(number - 1) : null,
          next: number < totalPages ? link(number + 1) : null,
          last: link(totalPages),
        },
        meta: {
          pagination: {
            "current-page": number,
            "prev-page": number > 1 ? number - 1 : null,
            "next-page": number < totalPages ? number + 1 : null,
            "total-pages": totalPages,
            "total-count": items.length,
          },
        },
      },
    ];
  }
}

/** The 429 body of api-docs/index.mdx "Rate limits", word for word (its status is a number). */
const RATE_LIMITED = {
  errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: "Too many requests" }],
};

function relData(rel: { data?: unknown } | undefined): unknown[] {
  return Array.isArray(rel?.data) ? (rel.data as unknown[]) : [];
}

function invalid(pointer: string, detail: string): [number, unknown] {
  return [422, { errors: [{ status: "422", title: "invalid attribute", detail, source: { pointer } }] }];
}

/**
 * 422 for a body without `data` (the docs' reason: "Malformed request body (missing attributes,
 * wrong types, etc.)"; the error's exact title and detail are UNCONFIRMED).
 */
function malformed(): [number, unknown] {
  return [
    422,
    { errors: [{ status: "422", title: "invalid request body", detail: "Malformed request body" }] },
  ];
}

function notFoundBody(): [number, unknown] {
  return [404, { errors: [{ status: "404", title: "not found" }] }];
}

function send(res: ServerResponse, status: number, payload: unknown, entry?: LoggedRequest): void {
  if (entry) entry.response = { status, body: payload };
  if (res.destroyed) return;
  res.writeHead(status, payload === undefined ? {} : { "Content-Type": "application/vnd.api+json" });
  res.end(payload === undefined ? undefined : JSON.stringify(payload));
}

/** Starts a double; pair with `after(() => double.stop())`. */
export function startTfcApiDouble(validToken?: string): Promise<TfcApiDouble> {
  return new TfcApiDouble(validToken).start();
}
