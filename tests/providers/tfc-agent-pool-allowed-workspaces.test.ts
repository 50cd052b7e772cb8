import { strict as assert } from "node:assert";
import {
  agentPoolAllowedWorkspacesProvider,
  type AgentPoolAllowedWorkspacesState,
} from "../../providers/tfc/agent-pool-allowed-workspaces";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

type State = AgentPoolAllowedWorkspacesState;

describe("tfc:AgentPoolAllowedWorkspaces provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<State, State>>>;
  let poolId: string;
  let ws: string[];
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(agentPoolAllowedWorkspacesProvider, double);
    ws = ["a", "b", "c", "d"].map((n) => double.seed("workspaces", "acme", { name: n }).id);
    poolId = double.seed(
      "agent-pools",
      "acme",
      { name: "pool", "organization-scoped": false },
      { "allowed-workspaces": { data: [] } },
    ).id;
  });

  const liveAllowed = () =>
    (double.get(poolId)!.relationships["allowed-workspaces"].data as { id: string }[])
      .map((w) => w.id)
      .sort();
  const setLive = (ids: string[]) => {
    double.get(poolId)!.relationships["allowed-workspaces"] = {
      data: ids.map((id) => ({ id, type: "workspaces" })),
    };
  };

  /** The pool deleted in the UI, as the API would do it. */
  async function deletePoolOutsidePulumi(): Promise<void> {
    const res = await fetch(`${double.url}/api/v2/agent-pools/${poolId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${double.validToken}` },
    });
    assert.equal(res.status, 204);
  }

  async function created(workspaceIds: string[]) {
    const { inputs, failures } = await p.check({} as State, { agentPoolId: poolId, workspaceIds });
    assert.deepEqual(failures, []);
    return { inputs: inputs!, ...(await p.create(inputs!)) };
  }

  it("check sorts and de-duplicates workspaces, so order is never a change", async () => {
    const { inputs } = await p.check({} as State, {
      agentPoolId: "apool-1",
      workspaceIds: ["ws-b", "ws-a", "ws-b"],
    });
    assert.deepEqual(inputs, { agentPoolId: "apool-1", workspaceIds: ["ws-a", "ws-b"] });
  });

  it("check names a missing pool, an empty list and ids that are not workspaces", async () => {
    const empty = await p.check({} as State, { workspaceIds: [] } as unknown as State);
    assert.deepEqual(empty.failures, [
      { property: "agentPoolId", reason: "agentPoolId is required (an apool-... id)" },
      {
        property: "workspaceIds",
        reason:
          "workspaceIds must list at least one workspace id (ws-...); delete the resource to allow none",
      },
    ]);
    const bad = await p.check({} as State, { agentPoolId: "apool-1", workspaceIds: ["prj-1"] });
    assert.deepEqual(bad.failures, [
      { property: "workspaceIds", reason: "every entry of workspaceIds must be a ws-... id" },
    ]);
  });

  it("check lets unknown ids through during preview, and diff counts them as a change", async () => {
    const { failures } = await p.check({} as State, { agentPoolId: UNKNOWN, workspaceIds: [UNKNOWN] });
    assert.deepEqual(failures, []);
    const whole = await p.check({} as State, { agentPoolId: "apool-1", workspaceIds: UNKNOWN as never });
    assert.deepEqual(whole.failures, []);
    const { id, outs } = await created([ws[0]]);
    assert.deepEqual(await p.diff(id, outs!, { agentPoolId: poolId, workspaceIds: [UNKNOWN] }), {
      changes: true,
      replaces: [],
    });
  });

  it("create reads the pool and PATCHes the allowed-workspaces relationship with the full list", async () => {
    const { id, outs } = await created([ws[1], ws[0]]);
    assert.equal(id, poolId);
    assert.deepEqual(outs, { agentPoolId: poolId, workspaceIds: [ws[0], ws[1]].sort() });
    assert.deepEqual(
      double.log.map((r) => `${r.method} ${r.path}`),
      [`GET /api/v2/agent-pools/${poolId}`, `PATCH /api/v2/agent-pools/${poolId}`],
    );
    const [patch] = double.requests("PATCH");
    assert.deepEqual(patch.body, {
      data: {
        type: "agent-pools",
        relationships: {
          "allowed-workspaces": {
            data: [ws[0], ws[1]].sort().map((wsId) => ({ id: wsId, type: "workspaces" })),
          },
        },
      },
    });
    assert.equal(patch.headers["content-type"], "application/vnd.api+json");
    assert.deepEqual(liveAllowed(), [ws[0], ws[1]].sort());
  });

  it("create keeps workspaces that others allowed on the pool", async () => {
    setLive([ws[3]]);
    await created([ws[0]]);
    assert.deepEqual(liveAllowed(), [ws[0], ws[3]].sort());
  });

  it("create sends no PATCH when the pool already allows every workspace", async () => {
    setLive([ws[0], ws[3]]);
    await created([ws[0]]);
    assert.equal(double.requests("PATCH").length, 0);
    assert.deepEqual(liveAllowed(), [ws[0], ws[3]].sort());
  });

  it("create on a missing pool fails naming the pool and the fix", async () => {
    const err = await rejection(p.create({ agentPoolId: "apool-missing", workspaceIds: [ws[0]] }));
    assert.match(
      err.message,
      /found no agent pool apool-missing \(404.*create the pool first \(dependsOn\) or fix agentPoolId/,
    );
  });

  it("create surfaces the API's refusal of an unknown workspace with its field", async () => {
    const err = await rejection(created(["ws-notthere"]));
    assert.match(
      err.message,
      /HCP Terraform rejected allowed workspaces of agent pool apool-\S+: allowed workspaces contains ws-notthere, which is not a workspace of this organization \(\/data\/relationships\/allowed-workspaces\)/,
    );
  });

  it("read reports only its own workspaces: others' are not drift, a removed one is", async () => {
    const { id, outs, inputs } = await created([ws[0], ws[1]]);
    setLive([...liveAllowed(), ws[3]]);
    const read = await p.read(id, outs);
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });

    setLive([ws[1], ws[3]]);
    const drifted = await p.read(id, outs);
    assert.deepEqual(drifted.props!.workspaceIds, [ws[1]]);
    assert.deepEqual(await p.diff(id, drifted.props!, inputs), { changes: true, replaces: [] });
    await p.update(id, drifted.props!, inputs);
    assert.deepEqual(liveAllowed(), [ws[0], ws[1], ws[3]].sort());
  });

  it("read of a deleted pool answers an empty id", async () => {
    const { id, outs } = await created([ws[0]]);
    await deletePoolOutsidePulumi();
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("update removes the workspaces it dropped and adds new ones, leaving others' alone", async () => {
    const { id, outs } = await created([ws[0], ws[1]]);
    setLive([...liveAllowed(), ws[3]]);
    const news = { agentPoolId: poolId, workspaceIds: [ws[1], ws[2]].sort() };
    assert.deepEqual(await p.diff(id, outs!, news), { changes: true, replaces: [] });
    const res = await p.update(id, outs!, news);
    assert.deepEqual(res.outs, news);
    assert.deepEqual(liveAllowed(), [ws[1], ws[2], ws[3]].sort());
  });

  it("update on a pool deleted outside Pulumi fails saying so and what to run", async () => {
    const { id, outs } = await created([ws[0]]);
    await deletePoolOutsidePulumi();
    const err = await rejection(p.update(id, outs!, { agentPoolId: poolId, workspaceIds: [ws[0], ws[1]] }));
    assert.equal(
      err.message,
      `HCP Terraform found no agent pool ${poolId} (404): it was deleted outside Pulumi; run pulumi refresh, then pulumi up`,
    );
  });

  it("delete passes on a refusal that is not 404, so the allow-list is not dropped from state silently", async () => {
    const { id, outs } = await created([ws[0]]);
    double.faults.push({
      match: (r) => r.method === "PATCH",
      times: 1,
      status: 422,
      body: {
        errors: [
          {
            status: "422",
            detail: "Workspace is in use",
            source: { pointer: "/data/relationships/allowed-workspaces" },
          },
        ],
      },
    });
    const err = await rejection(p.delete(id, outs!));
    assert.match(
      err.message,
      /rejected allowed workspaces of agent pool .*: Workspace is in use \(\/data\/relationships\/allowed-workspaces\)/,
    );
    assert.deepEqual(liveAllowed(), [ws[0]]);
  });

  it("a different pool replaces the resource", async () => {
    const { id, outs } = await created([ws[0]]);
    assert.deepEqual(await p.diff(id, outs!, { agentPoolId: "apool-other", workspaceIds: [ws[0]] }), {
      changes: true,
      replaces: ["agentPoolId"],
    });
  });

  it("delete removes only its own workspaces and keeps the pool", async () => {
    const { id, outs } = await created([ws[0], ws[1]]);
    setLive([...liveAllowed(), ws[3]]);
    await p.delete(id, outs!);
    assert.deepEqual(liveAllowed(), [ws[3]]);
    assert.ok(double.get(poolId), "the pool itself is untouched");
  });

  it("delete of an allow-list whose pool is gone is done (404 = gone)", async () => {
    const { id, outs } = await created([ws[0]]);
    await deletePoolOutsidePulumi();
    double.log.length = 0;
    await p.delete(id, outs!);
    assert.deepEqual(
      double.log.map((r) => r.method),
      ["GET"],
    );
  });
});
