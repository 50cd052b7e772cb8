import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import {
  workspaceExecutionProvider,
  type WorkspaceExecutionState,
} from "../../providers/tfc/workspace-execution";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

type State = WorkspaceExecutionState;

describe("tfc:WorkspaceExecution provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<State, State>>>;
  let wsId: string;
  let openPool: string;
  let restrictedPool: string;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(workspaceExecutionProvider, double);
    wsId = double.seed("workspaces", "acme", {
      name: "demo",
      "execution-mode": "remote",
      "agent-pool-id": null,
    }).id;
    openPool = double.seed("agent-pools", "acme", { name: "open", "organization-scoped": true }).id;
    restrictedPool = double.seed(
      "agent-pools",
      "acme",
      { name: "restricted", "organization-scoped": false },
      { "allowed-workspaces": { data: [] } },
    ).id;
  });

  const allow = (poolId: string, workspaceId: string) => {
    double.get(poolId)!.relationships["allowed-workspaces"] = {
      data: [{ id: workspaceId, type: "workspaces" }],
    };
  };

  async function created(raw: Partial<State>) {
    const { inputs, failures } = await p.check({} as State, { workspaceId: wsId, ...raw } as State);
    assert.deepEqual(failures, []);
    return { inputs: inputs!, ...(await p.create(inputs!)) };
  }

  it("check requires a pool with agent mode and refuses one without it, naming the fix", async () => {
    const agent = await p.check({} as State, { workspaceId: "ws-1", executionMode: "agent" });
    assert.deepEqual(agent.failures, [
      { property: "agentPoolId", reason: 'executionMode "agent" needs agentPoolId (an apool-... id)' },
    ]);
    const remote = await p.check({} as State, {
      workspaceId: "ws-1",
      executionMode: "remote",
      agentPoolId: "apool-1",
    });
    assert.deepEqual(remote.failures, [
      {
        property: "agentPoolId",
        reason:
          'agentPoolId is only allowed with executionMode "agent" (got "remote"): set executionMode: "agent" or remove agentPoolId',
      },
    ]);
  });

  it("check names a missing workspace and a mode that does not exist", async () => {
    const { failures } = await p.check({} as State, { executionMode: "cloud" } as unknown as State);
    assert.deepEqual(failures, [
      { property: "workspaceId", reason: "workspaceId is required (a ws-... id)" },
      { property: "executionMode", reason: 'executionMode must be "remote", "local" or "agent"' },
    ]);
    const none = await p.check({} as State, { workspaceId: "ws-1" } as State);
    assert.deepEqual(none.failures, [
      { property: "executionMode", reason: 'executionMode is required: "remote", "local" or "agent"' },
    ]);
  });

  it("check lets unknown values through during preview", async () => {
    const { failures } = await p.check({} as State, {
      workspaceId: UNKNOWN,
      executionMode: UNKNOWN as never,
      agentPoolId: UNKNOWN,
    });
    assert.deepEqual(failures, []);
  });

  it("create PATCHes execution-mode agent and the pool on the workspace", async () => {
    allow(restrictedPool, wsId);
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: restrictedPool });
    assert.equal(id, wsId);
    assert.deepEqual(outs, { workspaceId: wsId, executionMode: "agent", agentPoolId: restrictedPool });
    const [req] = double.requests("PATCH", `/api/v2/workspaces/${wsId}`);
    assert.deepEqual(req.body, {
      data: {
        type: "workspaces",
        attributes: {
          "execution-mode": "agent",
          "agent-pool-id": restrictedPool,
          "setting-overwrites": { "execution-mode": true, "agent-pool": true },
        },
      },
    });
    assert.equal(double.log.length, 1);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(wsId), restrictedPool);
  });

  it("create on a pool that does not allow the workspace fails with the API's reason and the fix (matched on 422 + text, no pointer)", async () => {
    const err = await rejection(created({ executionMode: "agent", agentPoolId: restrictedPool }));
    assert.equal(
      err.message,
      `HCP Terraform rejected execution mode of workspace ${wsId}: Agent pool workspace does not have access to use ` +
        "this agent pool. Fix: allow the workspace on the pool first " +
        "(tfc.AgentPoolAllowedWorkspaces, and make this resource dependOn it), or make the pool organization-scoped",
    );
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "remote");
  });

  it("an organization-scoped pool needs no allow-list", async () => {
    await created({ executionMode: "agent", agentPoolId: openPool });
    assert.equal(double.poolOf(wsId), openPool);
  });

  it("create on a missing workspace says it was not found", async () => {
    const err = await rejection(p.create({ workspaceId: "ws-missing", executionMode: "remote" }));
    assert.match(err.message, /found no execution mode of workspace ws-missing \(404/);
  });

  it("read after create shows no diff; a mode changed in the UI shows one and update restores it", async () => {
    allow(restrictedPool, wsId);
    const { id, outs, inputs } = await created({ executionMode: "agent", agentPoolId: restrictedPool });
    const read = await p.read(id, outs);
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });

    double.get(wsId)!.attributes["execution-mode"] = "remote";
    double.get(wsId)!.relationships["agent-pool"] = { data: null };
    const drifted = await p.read(id, outs);
    assert.deepEqual(drifted.props, { workspaceId: wsId, executionMode: "remote" });
    assert.deepEqual(await p.diff(id, drifted.props, inputs), { changes: true, replaces: [] });
    await p.update(id, drifted.props, inputs);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
  });

  it("going back to remote clears the pool with an empty id, as terraform-provider-tfe does", async () => {
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: openPool });
    const news: State = { workspaceId: wsId, executionMode: "remote" };
    assert.deepEqual(await p.diff(id, outs!, news), { changes: true, replaces: [] });
    await p.update(id, outs!, news);
    const patch = double.requests("PATCH").at(-1)!;
    assert.deepEqual(patch.body, {
      data: {
        type: "workspaces",
        attributes: {
          "execution-mode": "remote",
          "agent-pool-id": "",
          "setting-overwrites": { "execution-mode": true, "agent-pool": true },
        },
      },
    });
    assert.equal(double.poolOf(wsId), null);
  });

  it("another workspace replaces the resource", async () => {
    const { id, outs, inputs } = await created({ executionMode: "agent", agentPoolId: openPool });
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, workspaceId: "ws-other" }), {
      changes: true,
      replaces: ["workspaceId"],
    });
  });

  it("delete passes on a refusal that is not 404, naming the field", async () => {
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: openPool });
    double.faults.push({
      match: (r) => r.method === "PATCH",
      times: 1,
      status: 422,
      body: {
        errors: [
          {
            status: "422",
            detail: "Execution mode is locked",
            source: { pointer: "/data/attributes/execution-mode" },
          },
        ],
      },
    });
    const err = await rejection(p.delete(id, outs!));
    assert.match(
      err.message,
      /rejected execution mode of workspace ws-\S+: execution mode is locked \(\/data\/attributes\/execution-mode\)/,
    );
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
  });

  it("delete returns the workspace to the inherited default (setting-overwrites false), not a pinned mode", async () => {
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: openPool });
    await p.delete(id, outs!);
    const patch = double.requests("PATCH").at(-1)!;
    assert.deepEqual(patch.body, {
      data: {
        type: "workspaces",
        attributes: { "setting-overwrites": { "execution-mode": false, "agent-pool": false } },
      },
    });
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "remote");
    assert.deepEqual(double.get(wsId)!.attributes["setting-overwrites"], {
      "execution-mode": false,
      "agent-pool": false,
    });
    assert.equal(double.poolOf(wsId), null);

    await fetch(`${double.url}/api/v2/workspaces/${wsId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${double.validToken}` },
    });
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("delete in an organization whose default is agent mode leaves the workspace on the default pool", async () => {
    double.organizationDefaults.set("acme", { executionMode: "agent", agentPoolId: openPool });
    const { id, outs } = await created({ executionMode: "local" });
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "local");
    await p.delete(id, outs!);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(wsId), openPool);
  });

  it("refresh reads the pool from relationships.agent-pool: no diff after create, a pool changed by hand is drift", async () => {
    const other = double.seed("agent-pools", "acme", { name: "other", "organization-scoped": true }).id;
    const { id, outs, inputs } = await created({ executionMode: "agent", agentPoolId: openPool });
    const body = (await (
      await fetch(`${double.url}/api/v2/workspaces/${wsId}`, {
        headers: { Authorization: `Bearer ${double.validToken}` },
      })
    ).json()) as { data: { attributes: Record<string, unknown> } };
    assert.ok(!("agent-pool-id" in body.data.attributes), "the API has no agent-pool-id attribute");
    const read = await p.read(id, outs);
    assert.equal(read.props!.agentPoolId, openPool);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });
    double.get(wsId)!.relationships["agent-pool"] = { data: { id: other, type: "agent-pools" } };
    const drifted = await p.read(id, outs);
    assert.equal(drifted.props!.agentPoolId, other);
    assert.deepEqual(await p.diff(id, drifted.props!, inputs), { changes: true, replaces: [] });
  });
});
