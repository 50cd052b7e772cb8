/**
 * The HCP Terraform API token goes to one place only: the `Authorization` header of requests to
 * the configured host. Every kind is driven through Pulumi's dynamic-provider host over gRPC
 * (as `pulumi up` / `refresh` / `destroy` drive it), including its error paths, and everything
 * that comes back (outputs, i.e. what the engine writes to state; diffs; error messages), the
 * host's log and every request the double received are scanned for the token.
 */
import { strict as assert } from "node:assert";
import { apiRequest } from "../../providers/tfc/client";
import { resolveConnection } from "../../providers/tfc/credentials";
import { DynamicProviderHost, PROVIDER_KEY, rpcSecret, type Props } from "../support/dynamic-provider-host";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { rejection, serializeAll, TFC_PROVIDERS, type TfcKind } from "./tfc-fixtures";

const TOKEN = "tfc-LEAKCHECK-7f3a9b2c.atlasv1.Zm9vYmFy";

type Kind = TfcKind;

describe("the HCP Terraform API token leaks nowhere (host over gRPC, every kind, every path)", function () {
  this.timeout(120_000);
  let double: TfcApiDouble;
  let host: DynamicProviderHost;
  let serialized = {} as Record<Kind, string>;
  /** Everything the providers handed back to the engine, as text. */
  const seen: string[] = [];

  before(async () => {
    double = await startTfcApiDouble(TOKEN);
    serialized = await serializeAll(Object.keys(TFC_PROVIDERS) as Kind[]);
    host = await DynamicProviderHost.start();
    await host.configure({ "tfc:hostname": double.url, "tfc:token": rpcSecret(TOKEN) });
  });
  after(async () => {
    await host?.stop();
    await double?.stop();
  });

  const withProvider = (kind: Kind, props: Props): Props => ({ ...props, [PROVIDER_KEY]: serialized[kind] });
  const keep = <T>(value: T): T => {
    seen.push(JSON.stringify(value));
    return value;
  };
  const failed = async (promise: Promise<unknown>): Promise<void> => {
    const err = await rejection(promise);
    seen.push(err.message, String(err.stack));
  };

  async function up(kind: Kind, props: Props) {
    const { inputs, failures } = keep(await host.check({}, withProvider(kind, props)));
    assert.deepEqual(failures, []);
    const created = keep(await host.create(inputs));
    const read = keep(await host.read(created.id, created.props));
    keep(await host.diff(created.id, read.props, inputs));
    return { id: created.id, inputs, props: created.props };
  }

  it("through create, refresh, update, API errors and destroy", async () => {
    const pool = await up("pool", { organization: "acme", name: "p", organizationScoped: false });
    const token = await up("token", { agentPoolId: pool.id, description: "agents" });
    const ws = await up("workspace", { organization: "acme", name: "w" });
    const access = await up("access", { agentPoolId: pool.id, workspaceIds: [ws.id] });
    const exec = await up("execution", { workspaceId: ws.id, executionMode: "agent", agentPoolId: pool.id });
    const variable = await up("variable", {
      workspaceId: ws.id,
      key: "TFC_VAULT_ADDR",
      value: "https://vault.example:8200",
      category: "env",
      sensitive: true,
    });
    const set = await up("set", { organization: "acme", name: "shared", description: "hook settings" });
    const setVariable = await up("setVariable", {
      variableSetId: set.id,
      key: "TFC_VAULT_ADDR",
      value: "https://vault.example:8200",
      category: "env",
      sensitive: true,
    });
    const attachment = await up("attachment", { variableSetId: set.id, workspaceId: ws.id });
    keep(await host.update(set.id, set.props, { ...set.inputs, description: "changed" }));
    keep(
      await host.update(setVariable.id, setVariable.props, {
        ...setVariable.inputs,
        value: "https://v2.example",
      }),
    );
    await failed(host.create(withProvider("set", { organization: "acme", name: "shared" }))); // 422 taken
    await failed(host.create(withProvider("set", { organization: "nope", name: "x" }))); // 404
    keep(await host.update(ws.id, ws.props, { ...ws.inputs, name: "w2" }));
    keep(await host.update(variable.id, variable.props, { ...variable.inputs, value: "https://v2.example" }));
    keep(await host.update(pool.id, pool.props, { ...pool.inputs, name: "p2" }));

    // API refusals of every kind the providers turn into messages.
    await failed(host.create(withProvider("workspace", { ...ws.inputs, name: "w2" }))); // 422 taken
    await failed(
      host.create(withProvider("pool", { organization: "nope", name: "x", organizationScoped: true })),
    ); // 404
    double.faults.push({
      times: 1,
      status: 401,
      body: { errors: [{ status: "401", title: "unauthorized" }] },
    });
    await failed(host.read(ws.id, ws.props)); // 401
    double.faults.push({ times: 10, status: 503 });
    await failed(host.read(pool.id, pool.props)); // 5xx until the retries run out
    double.faults.push({ times: 1, status: 500, match: (r) => r.method === "POST" });
    await failed(host.create(withProvider("token", token.inputs))); // POST not retried
    double.managingResources.add(ws.id);
    await failed(host.delete(ws.id, { ...ws.props, name: "w2" })); // 409 safe-delete
    double.managingResources.clear();

    for (const [id, props] of [
      [attachment.id, attachment.props],
      [setVariable.id, setVariable.props],
      [set.id, set.props],
      [variable.id, variable.props],
      [exec.id, exec.props],
      [access.id, access.props],
      [ws.id, ws.props],
      [token.id, token.props],
      [pool.id, pool.props],
    ] as const) {
      await host.delete(id, props);
    }

    assert.ok(seen.length > 30, `only ${seen.length} answers scanned`);
    for (const text of seen)
      assert.ok(!text.includes(TOKEN), `the token reached the engine: ${text.slice(0, 200)}`);
    assert.ok(!host.stderr.includes(TOKEN), "the provider host logged the token");
    for (const kind of Object.keys(serialized) as Kind[]) {
      assert.ok(!serialized[kind].includes(TOKEN), `the ${kind} provider's __provider text has the token`);
    }
    assert.ok(double.log.length > 30);
    for (const req of double.log) {
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      const rest = JSON.stringify({ ...req, headers: { ...req.headers, authorization: undefined } });
      assert.ok(
        !rest.includes(TOKEN),
        `the token is in a request outside its header: ${req.method} ${req.path}`,
      );
    }
  });

  it("a token fetch() cannot put in a header fails naming tfc:token, without quoting the token", async () => {
    const bad = `${TOKEN}\nX-Injected: 1`;
    const badHost = await DynamicProviderHost.start();
    try {
      await badHost.configure({ "tfc:hostname": double.url, "tfc:token": rpcSecret(bad) });
      const err = await rejection(
        badHost.create(withProvider("pool", { organization: "acme", name: "p", organizationScoped: true })),
      );
      assert.match(
        err.message,
        /tfc:token: the HCP Terraform API token contains a character that is not printable ASCII/,
      );
      assert.ok(!err.message.includes(TOKEN) && !String(err.stack).includes(TOKEN));
      assert.ok(!badHost.stderr.includes(TOKEN));
    } finally {
      await badHost.stop();
    }
  });

  it("a network error's text is scrubbed of the token even if fetch quoted it", async () => {
    for (const bad of [`${TOKEN}\u0100`, `${TOKEN} x`, `${TOKEN}\r`]) {
      const err = (() => {
        try {
          resolveConnection({ hostname: double.url, token: bad }, {});
        } catch (e) {
          return e as Error;
        }
        throw new Error("accepted a token with an invalid header character");
      })();
      assert.ok(!err.message.includes(TOKEN));
    }
    // A connection whose token fetch refuses (built by hand, bypassing the check above).
    const conn = { ...resolveConnection({ hostname: double.url, token: TOKEN }, {}), token: `${TOKEN}\n` };
    const err = await rejection(
      apiRequest(conn, {
        method: "GET",
        path: "/workspaces/ws-1",
        subject: "workspace",
        retry: { maxAttempts: 1 },
      }),
    );
    assert.ok(!err.message.includes(TOKEN), err.message);
  });
});
