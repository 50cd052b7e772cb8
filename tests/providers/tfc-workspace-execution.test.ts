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
        attributes: { "execution-mode": "agent", "agent-pool-id": restrictedPool },
      },
    });
    assert.equal(double.log.length, 1);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
    assert.equal(double.get(wsId)!.attributes["agent-pool-id"], restrictedPool);
  });

  it("create on a pool that does not allow the workspace fails with the API's reason, field and fix", async () => {
    const err = await rejection(created({ executionMode: "agent", agentPoolId: restrictedPool }));
    assert.equal(
      err.message,
      `HCP Terraform rejected execution mode of workspace ${wsId}: Agent pool workspace does not have access to use ` +
        "this agent pool (/data/attributes/agent-pool-id). Fix: allow the workspace on the pool first " +
        "(tfc.AgentPoolAllowedWorkspaces, and make this resource dependOn it), or make the pool organization-scoped",
    );
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "remote");
  });

  it("an organization-scoped pool needs no allow-list", async () => {
    await created({ executionMode: "agent", agentPoolId: openPool });
    assert.equal(double.get(wsId)!.attributes["agent-pool-id"], openPool);
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

    Object.assign(double.get(wsId)!.attributes, { "execution-mode": "remote", "agent-pool-id": null });
    const drifted = await p.read(id, outs);
    assert.deepEqual(drifted.props, { workspaceId: wsId, executionMode: "remote" });
    assert.deepEqual(await p.diff(id, drifted.props, inputs), { changes: true, replaces: [] });
    await p.update(id, drifted.props, inputs);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "agent");
  });

  it("going back to remote clears the pool with null", async () => {
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: openPool });
    const news: State = { workspaceId: wsId, executionMode: "remote" };
    assert.deepEqual(await p.diff(id, outs!, news), { changes: true, replaces: [] });
    await p.update(id, outs!, news);
    const patch = double.requests("PATCH").at(-1)!;
    assert.deepEqual(patch.body, {
      data: { type: "workspaces", attributes: { "execution-mode": "remote", "agent-pool-id": null } },
    });
    assert.equal(double.get(wsId)!.attributes["agent-pool-id"], null);
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

  it("delete puts the workspace back in remote mode, and a deleted workspace counts as done", async () => {
    const { id, outs } = await created({ executionMode: "agent", agentPoolId: openPool });
    await p.delete(id, outs!);
    assert.equal(double.get(wsId)!.attributes["execution-mode"], "remote");
    assert.equal(double.get(wsId)!.attributes["agent-pool-id"], null);

    await fetch(`${double.url}/api/v2/workspaces/${wsId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${double.validToken}` },
    });
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
  });
});
