/**
 * A minimal Vault HTTP client for the hooks: TLS always verified (against TFC_VAULT_ENCODED_CACERT
 * when set, else the system CAs), `X-Vault-Namespace` on every call, bounded retries of
 * transient failures (connection reset/refused, timeouts, 429, 502-504) inside the hook's deadline,
 * and errors that say what failed without ever including the token or the request body.
 */
import * as http from "node:http";
import * as https from "node:https";
import { BodyTooLarge, readCapped } from "./capped-body";
import { backoffMs, type Deadline, sleep } from "./deadline";
import type { VaultTarget } from "./contract";
import { printable } from "./output";

export type VaultProblem = "network" | "tls" | "status" | "json" | "timeout";

/** A failed Vault call; `message` is safe to print. */
export class VaultCallError extends Error {
  constructor(
    readonly problem: VaultProblem,
    message: string,
    readonly status?: number,
    /** Vault's own error texts (never secrets: Vault does not echo tokens). */
    readonly vaultErrors: readonly string[] = [],
  ) {
    super(message);
    this.name = "VaultCallError";
  }
}

export interface VaultAnswer {
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
}

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
]);
const RETRY_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 4;
/** Vault's answers to the hooks' calls are a few KiB; anything larger is not Vault's. */
export const VAULT_BODY_LIMIT = 256 * 1024;
/** Longest piece of Vault's error text that goes into a message. */
const ERROR_TEXT_LIMIT = 300;
const REQUEST_TIMEOUT_MS = 10_000;

interface Options {
  readonly token?: string;
  readonly body?: unknown;
  /** Statuses that are an answer, not a failure (e.g. 400 from lease lookup once revoked). */
  readonly accept?: readonly number[];
}

export class VaultClient {
  private readonly ca: string[] | undefined;
  private readonly agent: http.Agent;

  constructor(
    readonly target: VaultTarget,
    private deadline: Deadline,
  ) {
    // With TFC_VAULT_ENCODED_CACERT, Vault's certificate must chain to that CA only (stricter than
    // adding it to the system roots, and ~10 ms faster to set up); otherwise the system CAs.
    this.ca = target.caCertPem ? [target.caCertPem] : undefined;
    this.agent = target.address.startsWith("https:")
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 1,
          ...(this.ca ? { ca: this.ca } : {}),
          rejectUnauthorized: true,
        })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** Cleanup after a failure gets the rest of the hook timeout, beyond the work budget. */
  setDeadline(deadline: Deadline): void {
    this.deadline = deadline;
  }

  /** Closes kept-alive connections so the process can exit at once. */
  close(): void {
    this.agent.destroy();
  }

  async call(method: "GET" | "POST" | "PUT", path: string, options: Options = {}): Promise<VaultAnswer> {
    let last: VaultCallError | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        const wait = backoffMs(attempt - 1, 250, 2000);
        if (this.deadline.remainingMs() < wait + 200) break;
        await sleep(wait);
      }
      try {
        const answer = await this.once(method, path, options);
        if (answer.status >= 200 && answer.status < 300) return answer;
        if (options.accept?.includes(answer.status)) return answer;
        // Redacted before it is cut: a cut first could leave part of a secret unredacted.
        const errors = Array.isArray(answer.json?.errors)
          ? answer.json.errors.map((e) => printable(String(e), ERROR_TEXT_LIMIT, [options.token]))
          : [];
        last = new VaultCallError(
          "status",
          `Vault answered ${answer.status} to ${method} /v1/${path}${errors.length ? `: ${printable(errors.join("; "), ERROR_TEXT_LIMIT)}` : ""}`,
          answer.status,
          errors,
        );
        if (!RETRY_STATUS.has(answer.status)) throw last;
      } catch (err) {
        if (!(err instanceof VaultCallError)) throw err;
        last = err;
        if (
          err.problem === "tls" ||
          err.problem === "json" ||
          (err.problem === "status" && !RETRY_STATUS.has(err.status ?? 0))
        )
          throw err;
      }
    }
    throw (
      last ??
      new VaultCallError(
        "timeout",
        `no time left in the hook's budget (${this.deadline.source}) to call ${method} /v1/${path}`,
      )
    );
  }

  private once(method: string, path: string, options: Options): Promise<VaultAnswer> {
    const url = new URL(`${this.target.address}/v1/${path}`);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.token !== undefined) headers["X-Vault-Token"] = options.token;
    if (this.target.namespace !== undefined) headers["X-Vault-Namespace"] = this.target.namespace;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const timeout = Math.max(500, Math.min(REQUEST_TIMEOUT_MS, this.deadline.remainingMs()));
    const where = `${method} /v1/${path}`;
    return new Promise<VaultAnswer>((resolve, reject) => {
      const client = url.protocol === "https:" ? https : http;
      const req = client.request(url, { method, headers, agent: this.agent, timeout }, (res) => {
        const status = res.statusCode ?? 0;
        readCapped(res, VAULT_BODY_LIMIT).then(
          (body) => {
            const text = body.toString("utf8");
            if (text.trim() === "") return resolve({ status, json: undefined });
            try {
              const json: unknown = JSON.parse(text);
              if (json === null || typeof json !== "object" || Array.isArray(json))
                throw new Error("not an object");
              resolve({ status, json: json as Record<string, unknown> });
            } catch {
              reject(
                new VaultCallError(
                  "json",
                  `Vault's answer to ${where} (status ${status}) is not valid JSON`,
                  status,
                ),
              );
            }
          },
          (err: unknown) =>
            reject(
              err instanceof BodyTooLarge
                ? new VaultCallError(
                    "json",
                    `Vault's answer to ${where} (status ${status}) is larger than ${VAULT_BODY_LIMIT / 1024} KiB; nothing was read past that`,
                    status,
                  )
                : new VaultCallError(
                    "network",
                    `connection to Vault broke while reading the answer to ${where}`,
                  ),
            ),
        );
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
      req.on("error", (err: NodeJS.ErrnoException) => {
        const code = err.code ?? "";
        if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message)) {
          reject(
            new VaultCallError("tls", `TLS verification of ${url.origin} failed (${code || err.message})`),
          );
        } else if (code === "ETIMEDOUT") {
          reject(
            new VaultCallError(
              "timeout",
              `Vault did not answer ${where} within ${Math.round(timeout / 1000)} s`,
            ),
          );
        } else {
          reject(
            new VaultCallError(
              "network",
              `cannot reach Vault at ${url.origin} for ${where} (${code || err.message})`,
            ),
          );
        }
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
