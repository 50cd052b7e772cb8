import { strict as assert } from "node:assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  apiRequest,
  backoffMs,
  DEFAULT_RETRY,
  errorFromResponse,
  listAll,
  retryAfterMs,
} from "../../providers/tfc/client";
import {
  originOf,
  resolveConnection,
  settingsFromConfig,
  type TfcConnection,
} from "../../providers/tfc/credentials";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { rejection, stackConfig } from "./tfc-fixtures";

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Short waits so fault tests stay fast; the bound logic is the same as the defaults. */
const FAST = { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 2_000 };

describe("HCP Terraform API client", () => {
  let double: TfcApiDouble;
  let conn: TfcConnection;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(() => {
    double.reset();
    conn = resolveConnection({ hostname: double.url, token: double.validToken }, {});
  });

  it("sends the bearer token and JSON:API content type to /api/v2", async () => {
    double.seed("agent-pools", "acme", { name: "p" });
    await apiRequest(conn, {
      method: "POST",
      path: "/organizations/acme/agent-pools",
      body: { data: { type: "agent-pools", attributes: { name: "q" } } },
      subject: 'agent pool "q"',
    });
    const [req] = double.requests("POST", "/api/v2/organizations/acme/agent-pools");
    assert.equal(req.headers.authorization, `Bearer ${double.validToken}`);
    assert.equal(req.headers["content-type"], "application/vnd.api+json");
    assert.equal(req.headers.accept, "application/vnd.api+json");
  });

  it("follows links.next with page[size]=100 until the last page", async () => {
    const ws = double.seed("workspaces", "acme", { name: "w" });
    for (let i = 0; i < 230; i++)
      double.seed("vars", ws.id, { key: `K${i}`, category: "env", value: "v", sensitive: false });
    const items = await listAll(conn, `/workspaces/${ws.id}/vars`, "variables");
    assert.equal(items.length, 230);
    assert.deepEqual(new Set(items.map((i) => i.attributes?.key)).size, 230);
    const gets = double.requests("GET", `/api/v2/workspaces/${ws.id}/vars`);
    assert.deepEqual(
      gets.map((g) => [g.query["page[size]"], g.query["page[number]"]]),
      [
        ["100", undefined],
        ["100", "2"],
        ["100", "3"],
      ],
    );
  });

  it("refuses to follow a next link to another host (the token would leak)", async () => {
    const err = await rejection(listAll({ ...conn }, "https://evil.example/api/v2/x", "variables"));
    assert.match(err.message, /another host \(https:\/\/evil\.example\); refusing to send the token/);
    assert.equal(double.log.length, 0);
  });

  it("rides out a 429 storm within the retry bound", async () => {
    double.faults.push({ status: 429, retryAfter: "0", times: DEFAULT_RETRY.maxAttempts - 1 });
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const res = await apiRequest(conn, {
      method: "GET",
      path: `/workspaces/${ws.id}`,
      subject: "workspace",
      retry: FAST,
    });
    assert.equal(res.status, 200);
    assert.equal(double.log.length, DEFAULT_RETRY.maxAttempts);
  });

  it("retries POSTs on 429, which the server never processed", async () => {
    double.faults.push({ status: 429, retryAfter: "0", times: 2 });
    await apiRequest(conn, {
      method: "POST",
      path: "/organizations/acme/agent-pools",
      body: { data: { type: "agent-pools", attributes: { name: "q" } } },
      subject: 'agent pool "q"',
      retry: FAST,
    });
    assert.equal(double.requests("POST").length, 3);
  });

  it("gives up after the bound on a 429 storm that never ends, with a clear message", async () => {
    double.faults.push({ status: 429, retryAfter: "0", times: 100 });
    const err = await rejection(
      apiRequest(conn, { method: "GET", path: "/workspaces/ws-1", subject: 'workspace "demo"', retry: FAST }),
    );
    assert.equal(double.log.length, DEFAULT_RETRY.maxAttempts);
    assert.match(
      err.message,
      /HCP Terraform kept failing for workspace "demo": gave up after 6 attempt\(s\), last answer 429/,
    );
  });

  it("fails with a clear message when 5xx answers exhaust the retries", async () => {
    double.faults.push({ status: 503, times: 100 });
    const err = await rejection(
      apiRequest(conn, { method: "GET", path: "/workspaces/ws-1", subject: 'workspace "demo"', retry: FAST }),
    );
    assert.equal(double.log.length, DEFAULT_RETRY.maxAttempts);
    assert.match(
      err.message,
      /gave up after 6 attempt\(s\), last answer 503 Service Unavailable\. Check https:\/\/status\.hashicorp\.com/,
    );
    assert.ok(!err.message.includes(double.validToken));
  });

  it("does not retry a POST that failed with 5xx (it may have been applied)", async () => {
    double.faults.push({ status: 500, times: 1 });
    const err = await rejection(
      apiRequest(conn, {
        method: "POST",
        path: "/agent-pools/apool-1/authentication-tokens",
        body: {},
        subject: "agent token",
        retry: FAST,
      }),
    );
    assert.equal(double.log.length, 1);
    assert.match(
      err.message,
      /failed \(500 Internal Server Error\) while creating agent token; not retried .* run pulumi refresh/,
    );
  });

  it("abandons a slow response and retries an idempotent call", async () => {
    double.faults.push({ delayMs: 400, times: 1 });
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const res = await apiRequest(conn, {
      method: "GET",
      path: `/workspaces/${ws.id}`,
      subject: "workspace",
      retry: { ...FAST, timeoutMs: 150 },
    });
    assert.equal(res.status, 200);
    assert.equal(double.log.length, 2);
  });

  it("reports a slow answer as a timeout once retries are exhausted", async () => {
    double.faults.push({ delayMs: 300, times: 100 });
    const err = await rejection(
      apiRequest(conn, {
        method: "GET",
        path: "/workspaces/ws-1",
        subject: 'workspace "demo"',
        retry: { ...FAST, maxAttempts: 2, timeoutMs: 100 },
      }),
    );
    assert.match(err.message, /gave up after 2 attempt\(s\), last answer no answer within 100 ms/);
  });

  it("retries a GET whose connection is refused, then names the network error", async () => {
    const closed = resolveConnection({ hostname: `http://127.0.0.1:${await closedPort()}`, token: "t" }, {});
    const err = await rejection(
      apiRequest(closed, {
        method: "GET",
        path: "/workspaces/ws-1",
        subject: 'workspace "demo"',
        retry: { ...FAST, maxAttempts: 2 },
      }),
    );
    assert.match(
      err.message,
      /HCP Terraform kept failing for workspace "demo": gave up after 2 attempt\(s\), last answer ECONNREFUSED/,
    );
  });

  it("does not retry a POST whose connection failed, and says it got no answer", async () => {
    const closed = resolveConnection({ hostname: `http://127.0.0.1:${await closedPort()}`, token: "t" }, {});
    const err = await rejection(
      apiRequest(closed, {
        method: "POST",
        path: "/organizations/acme/workspaces",
        body: {},
        subject: 'workspace "demo"',
        retry: FAST,
      }),
    );
    assert.match(err.message, /^HCP Terraform did not answer POST for workspace "demo": ECONNREFUSED$/);
  });

  it("turns a 422 into one line naming the field", async () => {
    double.seed("workspaces", "acme", { name: "demo" });
    const err = await rejection(
      apiRequest(conn, {
        method: "POST",
        path: "/organizations/acme/workspaces",
        body: { data: { type: "workspaces", attributes: { name: "demo" } } },
        subject: 'workspace "demo"',
      }),
    );
    assert.equal(
      err.message,
      'HCP Terraform rejected workspace "demo": name has already been taken (/data/attributes/name)',
    );
    assert.equal((err as unknown as { status: number }).status, 422);
    assert.equal((err as unknown as { pointer: string }).pointer, "/data/attributes/name");
  });

  it("says a 401 is a bad token and how to set one, without echoing it", async () => {
    const bad = resolveConnection({ hostname: double.url, token: "wrong-token-SECRET" }, {});
    const err = await rejection(
      apiRequest(bad, { method: "GET", path: "/workspaces/ws-1", subject: 'workspace "demo"' }),
    );
    assert.match(err.message, /refused the API token \(401\) .*tfc:token.*TFE_TOKEN/);
    assert.ok(!err.message.includes("wrong-token-SECRET"));
  });

  it("says a 404 may mean missing or not visible to the token", () => {
    const err = errorFromResponse(
      404,
      { errors: [{ status: "404", title: "not found" }] },
      "agent pool apool-1",
    );
    assert.match(
      err.message,
      /found no agent pool apool-1 \(404: it does not exist or the token cannot see it\)/,
    );
  });

  it("joins several JSON:API errors with their pointers", () => {
    const err = errorFromResponse(
      422,
      {
        errors: [
          { detail: "Key can't be blank", source: { pointer: "/data/attributes/key" } },
          { title: "Category is not included in the list", source: { pointer: "/data/attributes/category" } },
        ],
      },
      "variable",
    );
    assert.equal(
      err.message,
      "HCP Terraform rejected variable: key can't be blank (/data/attributes/key); category is not included in the list (/data/attributes/category)",
    );
  });

  it("caps Retry-After and accepts an HTTP date", () => {
    const policy = { ...DEFAULT_RETRY, maxDelayMs: 10_000 };
    assert.equal(retryAfterMs("3", policy), 3000);
    assert.equal(retryAfterMs("3600", policy), 10_000);
    assert.equal(retryAfterMs(new Date(1_000_000 + 2000).toUTCString(), policy, 1_000_000), 2000);
    assert.equal(retryAfterMs("soon", policy), undefined);
    assert.equal(retryAfterMs(null, policy), undefined);
  });

  it("jitters backoff below an exponential, capped ceiling", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffMs(1, policy, () => 1),
      100,
    );
    assert.equal(
      backoffMs(3, policy, () => 1),
      400,
    );
    assert.equal(
      backoffMs(10, policy, () => 1),
      1000,
    );
    assert.equal(
      backoffMs(3, policy, () => 0.5),
      200,
    );
  });
});

describe("HCP Terraform credentials", () => {
  it("prefers the stack config over TFE_HOSTNAME / TFE_TOKEN", () => {
    const conn = resolveConnection(
      settingsFromConfig(stackConfig({ "tfc:hostname": "tfe.example.com", "tfc:token": "from-config" })),
      { TFE_HOSTNAME: "other.example.com", TFE_TOKEN: "from-env" },
    );
    assert.equal(conn.apiBase, "https://tfe.example.com/api/v2");
    assert.equal(conn.token, "from-config");
  });

  it("falls back to TFE_HOSTNAME / TFE_TOKEN, then app.terraform.io", () => {
    assert.equal(resolveConnection({}, { TFE_TOKEN: "t" }).apiBase, "https://app.terraform.io/api/v2");
    const conn = resolveConnection(settingsFromConfig(stackConfig({})), {
      TFE_HOSTNAME: "tfe.corp:8443",
      TFE_TOKEN: "t",
    });
    assert.equal(conn.origin, "https://tfe.corp:8443");
  });

  it("treats a config whose lookups throw (no Configure call) as no stack config", () => {
    const throwing = {
      get: () => {
        throw new TypeError("Cannot read properties of undefined");
      },
    };
    assert.deepEqual(settingsFromConfig(throwing), {});
  });

  it("names both the config key and the environment variable when no token is set", () => {
    assert.throws(
      () => resolveConnection({ hostname: "app.terraform.io" }, { TFE_TOKEN: "  " }),
      /^ConfigError: tfc:token: no HCP Terraform API token found in the stack config or in the TFE_TOKEN environment variable\. Fix: pulumi config set --secret tfc:token <token>, or export TFE_TOKEN=<token>$/,
    );
  });

  it("refuses plain http except for loopback test servers", () => {
    assert.throws(
      () => originOf("http://tfe.example.com"),
      /tfc:hostname: "http:\/\/tfe\.example\.com" does not use https/,
    );
    assert.equal(originOf("http://127.0.0.1:9999"), "http://127.0.0.1:9999");
    assert.equal(originOf("https://tfe.example.com/"), "https://tfe.example.com");
  });
});
