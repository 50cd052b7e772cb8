/**
 * One authenticated Vault API request with TLS verified (extra CA added, never verification
 * skipped). Errors carry the method, path, status and Vault's own error texts, never the token.
 */
import type { VaultConnection } from "./vault-connection";

export interface VaultResponse {
  readonly status: number;
  readonly body: unknown;
}

function vaultErrors(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  // Vault's texts are often multi-line ("1 error occurred:\n\t* permission denied"): keep one line.
  return Array.isArray(errors) && errors.length > 0
    ? errors.map((e) => String(e).replace(/\s+/g, " ").trim()).join("; ")
    : "no error detail";
}

/** Sends `method /v1/<path>` with an optional JSON body; throws on any non-2xx answer. */
export async function vaultRequest(
  conn: VaultConnection,
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
): Promise<VaultResponse> {
  const [http, https, fs] = await Promise.all([import("node:http"), import("node:https"), import("node:fs")]);
  const url = new URL(`${conn.address}/v1/${path.replace(/^\/+/, "")}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (conn.token !== undefined) headers["X-Vault-Token"] = conn.token;
  if (conn.namespace) headers["X-Vault-Namespace"] = conn.namespace;
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  const isHttps = url.protocol === "https:";
  const extraCa = conn.caCertPem ?? (conn.caCertFile ? fs.readFileSync(conn.caCertFile, "utf8") : undefined);
  const ca = isHttps && extraCa ? [...(await import("node:tls")).rootCertificates, extraCa] : undefined;

  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const options = { method, headers, timeout: 30_000, ...(ca ? { ca } : {}), rejectUnauthorized: true };
    const req = (isHttps ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", (err) => reject(new Error(`Vault ${method} /v1/${path} failed: ${err.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });

  let parsed: unknown = undefined;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (status < 200 || status > 299) {
    throw new Error(`Vault ${method} /v1/${path} answered ${status}: ${vaultErrors(parsed)}`);
  }
  return { status, body: parsed };
}
