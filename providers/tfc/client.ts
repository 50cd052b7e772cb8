/**
 * The one small HCP Terraform API v2 client every resource kind uses: JSON:API bodies, bearer
 * token, the process-wide rate limiter (rate-limit.ts), bounded jittered retries on 429/5xx
 * honouring `X-RateLimit-Reset` and `Retry-After`, pagination through `links.next`, and API
 * errors turned into one readable line naming the field (docs/upstream-behaviour.md
 * "HCP Terraform API").
 *
 * Plain functions and plain data only: Pulumi serializes these by value into each provider, so
 * nothing here may hold a client, socket, Map or class with private fields.
 */
import type { TfcConnection } from "./credentials";
import { acquire, limiter, pauseAll } from "./rate-limit";

export const JSON_API = "application/vnd.api+json";

/** One JSON:API resource object as HCP Terraform returns it. */
export interface ApiResource {
  readonly id: string;
  readonly type: string;
  readonly attributes?: Record<string, unknown>;
  readonly relationships?: Record<string, { data?: unknown }>;
  readonly links?: Record<string, unknown>;
}

export interface RetryPolicy {
  /** Total attempts including the first one. */
  readonly maxAttempts: number;
  /** Base of the exponential backoff when the server names no time to wait. */
  readonly baseDelayMs: number;
  /** Ceiling of one backoff wait, and of any `X-RateLimit-Reset` / `Retry-After` we agree to honour. */
  readonly maxDelayMs: number;
  /** A response slower than this is abandoned (and retried when the call is idempotent). */
  readonly timeoutMs: number;
}

/**
 * 30 requests/s per user is the documented rate limit; six attempts with waits capped at 30 s
 * ride out a burst of 429s without letting one `pulumi up` hang for minutes.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 30_000,
};

export interface ApiRequest {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path under `/api/v2`, e.g. `/workspaces/ws-123`, or a full URL on the same origin. */
  readonly path: string;
  readonly body?: unknown;
  /** What the call is about, for messages: `workspace "demo"`. Never a secret. */
  readonly subject: string;
  /**
   * POSTs are not retried on 5xx or timeouts: the server may have created the object already
   * (a second agent token would be a leaked secret). Safe-delete opts back in.
   */
  readonly idempotent?: boolean;
  readonly retry?: Partial<RetryPolicy>;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * An HCP Terraform answer we could not accept. `status` lets callers treat 404/409/422 apart.
 * A plain Error with fields, not a subclass: Pulumi's closure serializer turns classes into
 * functions that call `Error.call(this, message)`, which drops the message in the provider host.
 */
export interface TfcApiError extends Error {
  readonly status: number;
  /** JSON:API `source.pointer` of the first error, e.g. `/data/attributes/name`. */
  readonly pointer?: string;
}

export function apiError(message: string, status: number, pointer?: string): TfcApiError {
  return Object.assign(new Error(message), { name: "TfcApiError", status, ...(pointer ? { pointer } : {}) });
}

/** Whether `err` came from HCP Terraform with this status (any status when omitted). */
export function isApiError(err: unknown, status?: number): err is TfcApiError {
  const s = (err as { status?: unknown } | undefined)?.status;
  return (
    err instanceof Error &&
    err.name === "TfcApiError" &&
    typeof s === "number" &&
    (status === undefined || s === status)
  );
}

/** Sends one request, retrying 429 (always) and 5xx/timeouts (idempotent calls) within the policy. */
export async function apiRequest(conn: TfcConnection, req: ApiRequest): Promise<ApiResponse> {
  const policy = { ...DEFAULT_RETRY, ...req.retry };
  const url = resolveUrl(conn, req.path);
  const idempotent = req.idempotent ?? req.method !== "POST";
  const clock = limiter().clock;
  let lastProblem = "";
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    await acquire();
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers: {
          Authorization: `Bearer ${conn.token}`,
          Accept: JSON_API,
          ...(req.body === undefined ? {} : { "Content-Type": JSON_API }),
        },
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal: AbortSignal.timeout(policy.timeoutMs),
        redirect: "error",
      });
    } catch (err) {
      // Network failure or timeout: the request may or may not have reached the server.
      // Defence in depth: no fetch error text may carry the token (credentials.ts refuses the
      // header characters that make fetch quote it).
      lastProblem = describeFetchFailure(err, policy.timeoutMs).split(conn.token).join("[token]");
      if (!idempotent) {
        throw apiError(`HCP Terraform did not answer ${req.method} for ${req.subject}: ${lastProblem}`, 0);
      }
      if (attempt < policy.maxAttempts) await clock.sleep(backoffMs(attempt, policy, clock.random));
      continue;
    }
    const body = await readBody(res);
    if (res.status < 400) return { status: res.status, body };

    lastProblem = `${res.status} ${res.statusText}`.trim();
    if (res.status >= 500 && !idempotent) {
      throw apiError(
        `HCP Terraform failed (${lastProblem}) while creating ${req.subject}; not retried because it may have ` +
          "been created anyway: run pulumi refresh, then the Pulumi command again",
        res.status,
      );
    }
    if (res.status !== 429 && res.status < 500) throw errorFromResponse(res.status, body, req.subject);
    if (attempt === policy.maxAttempts) break;
    if (res.status === 429) {
      // Every request of this process waits, not only this one: the limit is per user.
      pauseAll(
        rateLimitWaitMs(res.headers, policy, clock.now(), clock.random) ??
          backoffMs(attempt, policy, clock.random),
      );
    } else {
      await clock.sleep(backoffMs(attempt, policy, clock.random));
    }
  }
  throw apiError(
    `HCP Terraform kept failing for ${req.subject}: gave up after ${policy.maxAttempts} attempt(s), last answer ${lastProblem}. ` +
      "Check https://status.hashicorp.com and run the Pulumi command again",
    0,
  );
}

/** GETs every page of a collection (`page[size]=100`, then `links.next`) and concatenates `data`. */
export async function listAll(
  conn: TfcConnection,
  path: string,
  subject: string,
  retry?: Partial<RetryPolicy>,
): Promise<ApiResource[]> {
  const items: ApiResource[] = [];
  let next: string | undefined = withQuery(path, "page[size]", "100");
  // A server that keeps sending `next` must not keep us here forever.
  for (let page = 0; next !== undefined && page < 1000; page++) {
    const { body } = await apiRequest(conn, {
      method: "GET",
      path: next,
      subject,
      ...(retry ? { retry } : {}),
    });
    const doc = body as { data?: ApiResource[]; links?: { next?: string | null } } | undefined;
    items.push(...(Array.isArray(doc?.data) ? doc.data : []));
    next = typeof doc?.links?.next === "string" && doc.links.next !== "" ? doc.links.next : undefined;
  }
  return items;
}

/** The `data` object of a single-resource response. */
export function dataOf(response: ApiResponse, subject: string): ApiResource {
  const data = (response.body as { data?: ApiResource } | undefined)?.data;
  if (!data || typeof data.id !== "string") {
    throw apiError(
      `HCP Terraform answered ${response.status} for ${subject} without a resource`,
      response.status,
    );
  }
  return data;
}

/**
 * A 404 from a POST under `/organizations/:org/...`: the API documents it as "Organization not
 * found or user unauthorized to perform action" (agents.mdx, workspaces.mdx), so say that,
 * not that the object being created was not found.
 */
export function organizationNotFound(err: TfcApiError, organization: string, subject: string): TfcApiError {
  return apiError(
    `HCP Terraform could not create ${subject}: organization "${organization}" not found or the token cannot ` +
      "see it (404). Fix: check the organization name, and that the token's user or team may manage " +
      "agent pools and workspaces in it",
    err.status,
  );
}

/** Whether an error means "HCP Terraform has no such object" (or it is not ours: both are 404). */
export function isNotFound(err: unknown): boolean {
  return isApiError(err, 404);
}

/**
 * Awaits a request whose 404 means "already gone": undefined then. What every read (deleted by
 * hand) and every delete (deleted twice) does with a 404; any other failure is thrown.
 */
export async function ifPresent<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** GET one resource by its path; undefined when it is gone (404). */
export async function getIfPresent(
  conn: TfcConnection,
  path: string,
  subject: string,
): Promise<ApiResource | undefined> {
  const res = await ifPresent(apiRequest(conn, { method: "GET", path, subject }));
  return res === undefined ? undefined : dataOf(res, subject);
}

/**
 * One readable line from a JSON:API error document:
 * `HCP Terraform rejected workspace "demo": name has already been taken (/data/attributes/name)`.
 */
export function errorFromResponse(status: number, body: unknown, subject: string): TfcApiError {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const list = Array.isArray(errors) ? (errors as JsonApiError[]) : [];
  const pointer = list.find((e) => typeof e?.source?.pointer === "string")?.source?.pointer;
  const reasons = list.map(reasonOf).filter((r) => r !== "");
  if (status === 401) {
    return apiError(
      `HCP Terraform refused the API token (401) while working on ${subject}: ` +
        "set a valid token with pulumi config set --secret tfc:token <token>, or TFE_TOKEN",
      status,
    );
  }
  if (status === 404) {
    return apiError(
      `HCP Terraform found no ${subject} (404: it does not exist or the token cannot see it)`,
      status,
    );
  }
  const reason = reasons.length > 0 ? reasons.join("; ") : `HTTP ${status}`;
  return apiError(`HCP Terraform rejected ${subject}: ${reason}`, status, pointer);
}

interface JsonApiError {
  status?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string };
}

function reasonOf(error: JsonApiError): string {
  const pointer = error?.source?.pointer;
  let text = (error?.detail || error?.title || "").trim();
  // The API writes "Name has already been taken" for /data/attributes/name: keep the field
  // readable by lower-casing only the first letter of a sentence that starts with the field name.
  const field = pointer?.split("/").pop();
  if (field && text.toLowerCase().startsWith(field.replace(/-/g, " ").toLowerCase())) {
    text = text.charAt(0).toLowerCase() + text.slice(1);
  }
  return pointer ? `${text} (${pointer})` : text;
}

function resolveUrl(conn: TfcConnection, path: string): string {
  if (!/^https?:\/\//i.test(path)) return `${conn.apiBase}${path}`;
  // `links.next` is absolute: follow it only on our own origin, or the token would go elsewhere.
  if (new URL(path).origin !== conn.origin) {
    throw apiError(
      `HCP Terraform pagination pointed to another host (${new URL(path).origin}); refusing to send the token there`,
      0,
    );
  }
  return path;
}

function withQuery(path: string, key: string, value: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}${encodeURIComponent(key)}=${value}`;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Jitter added to a server-named wait, so parallel resources do not retry in the same instant. */
export const RATE_LIMIT_JITTER_MS = 250;

/**
 * How long a 429 asks us to wait: `X-RateLimit-Reset` (seconds, may be fractional: what go-tfe's
 * `rateLimitBackoff` reads) or `Retry-After` (seconds or an HTTP date), the longer of the two,
 * plus up to RATE_LIMIT_JITTER_MS, capped by the policy. Undefined when neither is usable.
 */
export function rateLimitWaitMs(
  headers: { get(name: string): string | null },
  policy: RetryPolicy,
  now: number,
  random: () => number = Math.random,
): number | undefined {
  const reset = resetMs(headers.get("x-ratelimit-reset"));
  const after = retryAfterMs(headers.get("retry-after"), { ...policy, maxDelayMs: Infinity }, now);
  if (reset === undefined && after === undefined) return undefined;
  const named = Math.max(reset ?? 0, after ?? 0);
  return Math.min(named + random() * RATE_LIMIT_JITTER_MS, policy.maxDelayMs);
}

function resetMs(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** `Retry-After` as seconds or an HTTP date, capped by the policy; undefined when absent or junk. */
export function retryAfterMs(
  header: string | null,
  policy: RetryPolicy,
  now = Date.now(),
): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), policy.maxDelayMs);
}

/** Full jitter: a random wait up to base * 2^(attempt-1), capped, so parallel resources spread out. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

function describeFetchFailure(err: unknown, timeoutMs: number): string {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : "network error");
}
