/**
 * The providers as a real engine runs them: serialized by Pulumi, re-loaded by Pulumi's own
 * dynamic-provider host process, and driven over gRPC against the API double.
 */
import { strict as assert } from "node:assert";
import { agentPoolProvider } from "../../providers/tfc/agent-pool";
import { agentPoolAllowedWorkspacesProvider } from "../../providers/tfc/agent-pool-allowed-workspaces";
import { agentTokenProvider } from "../../providers/tfc/agent-token";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { variableProvider } from "../../providers/tfc/variable";
import { workspaceProvider } from "../../providers/tfc/workspace";
import { workspaceExecutionProvider } from "../../providers/tfc/workspace-execution";
import {
  DynamicProviderHost,
  PROVIDER_KEY,
  rpcSecret,
  serializeProvider,
  withoutTfeVariables,
  type Props,
} from "../support/dynamic-provider-host";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { rejection } from "./tfc-fixtures";

describe("tfc providers under Pulumi's dynamic-provider host (gRPC)", function () {
  this.timeout(60_000);
  let double: TfcApiDouble;
  let host: DynamicProviderHost;
  const serialized: Record<string, string> = {};

  before(async () => {
    double = await startTfcApiDouble("tfc-host-test-token-SECRET-9c2e");
    // Serialize while a token is in this process's environment: it must still not be captured.
    process.env.TFE_TOKEN = double.validToken;
    try {
      for (const [kind, provider] of Object.entries({
        pool: agentPoolProvider,
        token: agentTokenProvider,
        workspace: workspaceProvider,
        variable: variableProvider,
        access: agentPoolAllowedWorkspacesProvider,
        execution: workspaceExecutionProvider,
      })) {
        const { text, containsSecrets } = await serializeProvider(provider);
        assert.equal(containsSecrets, false, `${kind} provider captured a secret`);
        serialized[kind] = text;
      }
    } finally {
      delete process.env.TFE_TOKEN;
    }
    host = await DynamicProviderHost.start();
    await host.configure({
      "tfc:hostname": double.url,
      "tfc:token": rpcSecret(double.validToken),
      "tfc-jit-aws:other": "x",
    });
  });
  after(async () => {
    await host?.stop();
    await double?.stop();
  });

  it("no serialized provider contains the API token or the settings", () => {
    for (const [kind, text] of Object.entries(serialized)) {
      assert.ok(!text.includes(double.validToken), `${kind} provider text contains the token`);
      assert.ok(!/settings:\s*\{/.test(text), `${kind} provider text carries settings`);
    }
  });

  const withProvider = (kind: string, props: Props): Props => ({
    ...props,
    [PROVIDER_KEY]: serialized[kind],
  });

  it("runs check/diff/create/read/update/delete for every kind with the stack-config token", async () => {
    double.reset();
    // Pool
    const pool = await host.check({}, withProvider("pool", { organization: "acme", name: "host-pool" }));
    assert.deepEqual(pool.failures, []);
    const poolRes = await host.create(pool.inputs);
    assert.match(poolRes.id, /^apool-/);
    assert.equal(poolRes.props.organizationScoped, true);

    // Token
    const token = await host.check(
      {},
      withProvider("token", { agentPoolId: poolRes.id, description: "agents" }),
    );
    const tokenRes = await host.create(token.inputs);
    assert.equal(tokenRes.props.token, double.get(tokenRes.id)!.attributes.token);
    const tokenRead = await host.read(tokenRes.id, tokenRes.props);
    assert.equal(tokenRead.props.token, tokenRes.props.token, "read keeps the token");
    const tokenDiff = await host.diff(
      tokenRes.id,
      tokenRes.props,
      withProvider("token", { agentPoolId: poolRes.id, description: "new" }),
    );
    assert.deepEqual(tokenDiff, { changes: "some", replaces: ["description"], deleteBeforeReplace: false });

    // Workspace
    const ws = await host.check(
      {},
      withProvider("workspace", {
        organization: "acme",
        name: "host-ws",
        executionMode: "agent",
        agentPoolId: poolRes.id,
      }),
    );
    assert.deepEqual(ws.failures, []);
    const wsRes = await host.create(ws.inputs);
    assert.equal(wsRes.props.workspaceId, wsRes.id);
    assert.equal(wsRes.props.htmlUrl, `${double.url}/app/acme/workspaces/host-ws`);
    const wsRead = await host.read(wsRes.id, wsRes.props);
    assert.deepEqual((await host.diff(wsRes.id, wsRead.props, ws.inputs)).changes, "none");
    const renamed = { ...ws.inputs, name: "host-ws-2" };
    assert.deepEqual(await host.diff(wsRes.id, wsRes.props, renamed), {
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const wsUpdated = await host.update(wsRes.id, wsRes.props, renamed);
    assert.equal(wsUpdated.name, "host-ws-2");
    assert.equal(wsUpdated[PROVIDER_KEY], serialized.workspace);

    // Variable
    const v = await host.check(
      {},
      withProvider("variable", {
        workspaceId: wsRes.id,
        key: "K",
        value: "secret-v",
        category: "env",
        sensitive: true,
      }),
    );
    const vRes = await host.create(v.inputs);
    const vRead = await host.read(vRes.id, vRes.props);
    assert.equal(vRead.props.value, "secret-v");
    assert.equal((await host.diff(vRes.id, vRead.props, v.inputs)).changes, "none");
    await host.update(vRes.id, vRes.props, { ...v.inputs, value: "secret-v2" });
    assert.equal(double.get(vRes.id)!.attributes.value, "secret-v2");

    // Delete in dependency order; 404 afterwards counts as gone.
    await host.delete(vRes.id, vRes.props);
    await host.delete(wsRes.id, wsUpdated);
    await host.delete(tokenRes.id, tokenRes.props);
    await host.delete(poolRes.id, poolRes.props);
    await host.delete(poolRes.id, poolRes.props);
    assert.equal(double.get(poolRes.id), undefined);
    assert.equal(double.get(wsRes.id), undefined);

    for (const req of double.log) assert.equal(req.headers.authorization, `Bearer ${double.validToken}`);
  });

  it("restricts a pool to a workspace over gRPC: allow-list, then agent mode, then back", async () => {
    double.reset();
    const pool = await host.create(
      (
        await host.check(
          {},
          withProvider("pool", { organization: "acme", name: "r", organizationScoped: false }),
        )
      ).inputs,
    );
    const ws = await host.create(
      (await host.check({}, withProvider("workspace", { organization: "acme", name: "r-ws" }))).inputs,
    );
    const acc = await host.check({}, withProvider("access", { agentPoolId: pool.id, workspaceIds: [ws.id] }));
    assert.deepEqual(acc.failures, []);
    const accRes = await host.create(acc.inputs);
    assert.equal(accRes.id, pool.id);
    const exe = await host.check(
      {},
      withProvider("execution", { workspaceId: ws.id, executionMode: "agent", agentPoolId: pool.id }),
    );
    const exeRes = await host.create(exe.inputs);
    assert.equal(double.poolOf(ws.id), pool.id);

    const accRead = await host.read(accRes.id, accRes.props);
    assert.equal((await host.diff(accRes.id, accRead.props, acc.inputs)).changes, "none");
    const exeRead = await host.read(exeRes.id, exeRes.props);
    assert.equal((await host.diff(exeRes.id, exeRead.props, exe.inputs)).changes, "none");

    await host.delete(exeRes.id, exeRes.props);
    await host.delete(accRes.id, accRes.props);
    assert.equal(double.get(ws.id)!.attributes["execution-mode"], "remote");
    assert.deepEqual(double.get(pool.id)!.relationships["allowed-workspaces"].data, []);
  });

  it("the refusal of agent mode on a pool that does not allow the workspace reaches the engine readably", async () => {
    double.reset();
    const pool = double.seed("agent-pools", "acme", { name: "r", "organization-scoped": false });
    const ws = double.seed("workspaces", "acme", { name: "w", "execution-mode": "remote" });
    const exe = await host.check(
      {},
      withProvider("execution", { workspaceId: ws.id, executionMode: "agent", agentPoolId: pool.id }),
    );
    const err = await rejection(host.create(exe.inputs));
    assert.match(
      err.message,
      /does not have access to use this agent pool\. Fix: allow the workspace on the pool first/,
    );
    assert.ok(!err.message.includes(double.validToken));
  });

  it("diff handles the preview unknown sentinel over gRPC", async () => {
    const olds = withProvider("workspace", {
      organization: "acme",
      name: "w",
      executionMode: "remote",
      autoApply: false,
      queueAllRuns: false,
    });
    const diff = await host.diff("ws-1", olds, { ...olds, organization: UNKNOWN });
    assert.deepEqual(diff, { changes: "some", replaces: ["organization"], deleteBeforeReplace: false });
  });

  it("check failures reach the engine as property + reason", async () => {
    const res = await host.check(
      {},
      withProvider("workspace", {
        organization: "acme",
        name: "w",
        executionMode: "remote",
        agentPoolId: "apool-1",
      }),
    );
    assert.deepEqual(
      res.failures.map((f) => f.property),
      ["agentPoolId"],
    );
  });

  it("a read of an object deleted outside Pulumi answers an empty id", async () => {
    const res = await host.read(
      "apool-gone",
      withProvider("pool", { organization: "acme", name: "x", organizationScoped: true }),
    );
    assert.equal(res.id, "");
  });

  it("API errors keep their readable message through the host, without the token", async () => {
    double.reset();
    double.seed("workspaces", "acme", { name: "taken" });
    const ws = await host.check(
      {},
      withProvider("workspace", { organization: "acme", name: "taken", executionMode: "remote" }),
    );
    const err = await rejection(host.create(ws.inputs));
    assert.match(
      err.message,
      /HCP Terraform rejected workspace "taken": name has already been taken \(\/data\/attributes\/name\)\. It already exists as ws-/,
    );
    assert.ok(!err.message.includes(double.validToken));
    assert.ok(!host.stderr.includes(double.validToken), "the host printed the token");
  });

  it("without stack config or TFE_TOKEN, create fails naming tfc:token and TFE_TOKEN", async () => {
    const bare = await DynamicProviderHost.start({ env: withoutTfeVariables(process.env) });
    try {
      await bare.configure({});
      const err = await rejection(
        bare.create(withProvider("pool", { organization: "acme", name: "p", organizationScoped: true })),
      );
      assert.match(
        err.message,
        /tfc:token: no HCP Terraform API token found in the stack config or in the TFE_TOKEN environment variable\. Fix: pulumi config set --secret tfc:token <token>, or export TFE_TOKEN=<token>/,
      );
    } finally {
      await bare.stop();
    }
  });

  it("falls back to TFE_HOSTNAME / TFE_TOKEN in the host's environment, read at call time", async () => {
    double.reset();
    const envHost = await DynamicProviderHost.start({
      env: { ...withoutTfeVariables(process.env), TFE_HOSTNAME: double.url, TFE_TOKEN: double.validToken },
    });
    try {
      await envHost.configure({});
      const res = await envHost.create(
        withProvider("pool", { organization: "acme", name: "env-pool", organizationScoped: true }),
      );
      assert.match(res.id, /^apool-/);
    } finally {
      await envHost.stop();
    }
  });
});
