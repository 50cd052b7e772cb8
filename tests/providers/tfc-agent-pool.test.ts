import { strict as assert } from "node:assert";
import { agentPoolProvider, type AgentPoolState } from "../../providers/tfc/agent-pool";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

describe("tfc:AgentPool provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<AgentPoolState, AgentPoolState>>>;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(agentPoolProvider, double);
  });

  async function created(extra: Partial<AgentPoolState> = {}) {
    const { inputs } = await p.check(
      {} as AgentPoolState,
      { organization: "acme", name: "jit-agents", ...extra } as AgentPoolState,
    );
    const res = await p.create(inputs!);
    return { inputs: inputs!, ...res };
  }

  it("check defaults organizationScoped to true and sorts allowed workspaces", async () => {
    const { inputs, failures } = await p.check(
      {} as AgentPoolState,
      {
        organization: "acme",
        name: "pool",
        allowedWorkspaceIds: ["ws-b", "ws-a"],
      } as AgentPoolState,
    );
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, {
      organization: "acme",
      name: "pool",
      organizationScoped: true,
      allowedWorkspaceIds: ["ws-a", "ws-b"],
    });
  });

  it("check names a missing organization and name", async () => {
    const { failures } = await p.check({} as AgentPoolState, {} as AgentPoolState);
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["organization", "name"],
    );
  });

  it("creates with POST /organizations/:org/agent-pools and dashed attributes", async () => {
    const { id, outs } = await created({ organizationScoped: false, allowedWorkspaceIds: ["ws-1"] });
    assert.match(id, /^apool-/);
    assert.deepEqual(outs, {
      organization: "acme",
      name: "jit-agents",
      organizationScoped: false,
      allowedWorkspaceIds: ["ws-1"],
    });
    const [req] = double.requests("POST", "/api/v2/organizations/acme/agent-pools");
    assert.deepEqual(req.body, {
      data: {
        type: "agent-pools",
        attributes: { name: "jit-agents", "organization-scoped": false },
        relationships: { "allowed-workspaces": { data: [{ id: "ws-1", type: "workspaces" }] } },
      },
    });
    assert.equal(req.headers["content-type"], "application/vnd.api+json");
    assert.equal(double.log.length, 1);
  });

  it("create on an existing name says so, gives the id and suggests import", async () => {
    const existing = double.seed("agent-pools", "acme", { name: "jit-agents", "organization-scoped": true });
    const err = await rejection(created());
    assert.match(
      err.message,
      /HCP Terraform rejected agent pool "jit-agents": name has already been taken \(\/data\/attributes\/name\)/,
    );
    assert.match(
      err.message,
      new RegExp(
        `already exists as ${existing.id}: .*import: "${existing.id}".*pulumi import pulumi-nodejs:dynamic/tfc:AgentPool`,
      ),
    );
  });

  it("read returns the live state with one GET, and no diff when nothing changed", async () => {
    const { id, outs } = await created();
    double.log.length = 0;
    const read = await p.read(id, outs);
    assert.equal(read.id, id);
    assert.deepEqual(read.props, outs);
    assert.equal(double.log.length, 1);
    assert.deepEqual(await p.diff(id, read.props!, outs!), { changes: false, replaces: [] });
  });

  it("read shows drift made outside Pulumi, and diff then plans an update", async () => {
    const { id, outs, inputs } = await created();
    Object.assign(double.get(id)!.attributes, { name: "renamed-in-ui", "organization-scoped": false });
    const read = await p.read(id, outs);
    assert.equal(read.props!.name, "renamed-in-ui");
    assert.equal(read.props!.organizationScoped, false);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: true, replaces: [] });
  });

  it("read reports a pool deleted outside Pulumi as gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("updates name, scope and allowed workspaces in place with PATCH", async () => {
    const { id, outs } = await created();
    const ws9 = double.seed("workspaces", "acme", { name: "nine" }).id;
    const news = {
      organization: "acme",
      name: "renamed",
      organizationScoped: false,
      allowedWorkspaceIds: [ws9],
    };
    assert.deepEqual(await p.diff(id, outs!, news), { changes: true, replaces: [] });
    const res = await p.update(id, outs!, news);
    assert.deepEqual(res.outs, news);
    const [req] = double.requests("PATCH", `/api/v2/agent-pools/${id}`);
    assert.deepEqual(req.body, {
      data: {
        type: "agent-pools",
        attributes: { name: "renamed", "organization-scoped": false },
        relationships: { "allowed-workspaces": { data: [{ id: ws9, type: "workspaces" }] } },
      },
    });
    assert.equal(double.get(id)!.attributes.name, "renamed");
  });

  it("replaces the pool when the organization changes", async () => {
    const { id, outs, inputs } = await created();
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, organization: "other" }), {
      changes: true,
      replaces: ["organization"],
    });
  });

  it("treats an unknown value in preview as a change, without failing", async () => {
    const { id, outs, inputs } = await created();
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, organization: UNKNOWN }), {
      changes: true,
      replaces: ["organization"],
    });
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, allowedWorkspaceIds: [UNKNOWN] }), {
      changes: true,
      replaces: [],
    });
  });

  it("does not show a diff for a reordered allowed-workspace list", async () => {
    const { id, outs } = await created({ allowedWorkspaceIds: ["ws-a", "ws-b"] });
    const { inputs } = await p.check(outs!, {
      organization: "acme",
      name: "jit-agents",
      allowedWorkspaceIds: ["ws-b", "ws-a"],
    } as AgentPoolState);
    assert.deepEqual(await p.diff(id, outs!, inputs!), { changes: false, replaces: [] });
  });

  it("deletes with DELETE /agent-pools/:id and treats 404 as already gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    assert.equal(double.get(id), undefined);
    await p.delete(id, outs!);
    assert.deepEqual(
      double.requests("DELETE").map((r) => r.path),
      [`/api/v2/agent-pools/${id}`, `/api/v2/agent-pools/${id}`],
    );
  });

  it("a 404 on create says the organization was not found or is not visible to the token (not 'no agent pool')", async () => {
    const err = await rejection(created({ organization: "nope" }));
    assert.equal(
      err.message,
      'HCP Terraform could not create agent pool "jit-agents": organization "nope" not found or the token cannot see it ' +
        "(404). Fix: check the organization name, and that the token's user or team may manage agent pools and workspaces in it",
    );
  });
});
