import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { workspaceProvider, type WorkspaceInputs, type WorkspaceState } from "../../providers/tfc/workspace";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

describe("tfc:Workspace provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<WorkspaceInputs, WorkspaceState>>>;
  let poolId: string;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(workspaceProvider, double);
    poolId = double.seed("agent-pools", "acme", { name: "pool" }).id;
  });

  const agentWorkspace = (): WorkspaceInputs =>
    ({
      organization: "acme",
      name: "demo",
      projectId: "prj-123",
      description: "JIT AWS demo",
      executionMode: "agent",
      agentPoolId: poolId,
      terraformVersion: "1.9.5",
      workingDirectory: "infra",
      autoApply: true,
      vcsRepo: { identifier: "acme/infra", oauthTokenId: "ot-1", branch: "main" },
    }) as WorkspaceInputs;

  async function created(raw: Partial<WorkspaceInputs> = agentWorkspace()) {
    const { inputs, failures } = await p.check({} as WorkspaceInputs, raw as WorkspaceInputs);
    assert.deepEqual(failures, []);
    return { inputs: inputs!, ...(await p.create(inputs!)) };
  }

  it("check refuses agentPoolId without executionMode agent, naming the fix", async () => {
    const { failures } = await p.check({} as WorkspaceInputs, {
      ...agentWorkspace(),
      executionMode: "remote",
    });
    assert.deepEqual(failures, [
      {
        property: "agentPoolId",
        reason:
          'agentPoolId is only allowed with executionMode "agent" (got "remote"): set executionMode: "agent" or remove agentPoolId',
      },
    ]);
  });

  it("check refuses agent mode without a pool, bad names, modes and VCS settings", async () => {
    const { failures } = await p.check(
      {} as WorkspaceInputs,
      {
        organization: "acme",
        name: "has space",
        executionMode: "cloud",
        vcsRepo: { identifier: "norepo", oauthTokenId: "ot-1", githubAppInstallationId: "ghain-1" },
      } as unknown as WorkspaceInputs,
    );
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["name", "executionMode", "vcsRepo.identifier", "vcsRepo"],
    );
    const agent = await p.check(
      {} as WorkspaceInputs,
      { organization: "acme", name: "w", executionMode: "agent" } as WorkspaceInputs,
    );
    assert.deepEqual(
      agent.failures!.map((f) => f.reason),
      ['executionMode "agent" needs agentPoolId (an apool-... id)'],
    );
  });

  it("check lets unknown values through during preview and fills boolean defaults", async () => {
    const { inputs, failures } = await p.check(
      {} as WorkspaceInputs,
      {
        organization: "acme",
        name: UNKNOWN,
        executionMode: UNKNOWN,
        agentPoolId: UNKNOWN,
      } as unknown as WorkspaceInputs,
    );
    assert.deepEqual(failures, []);
    assert.equal(inputs!.autoApply, false);
    assert.equal(inputs!.queueAllRuns, false);
  });

  it("creates with dashed attributes and the project relationship; outputs workspaceId and htmlUrl", async () => {
    const { id, outs, inputs } = await created();
    assert.match(id, /^ws-/);
    assert.deepEqual(outs, { ...inputs, workspaceId: id, htmlUrl: `${double.url}/app/acme/workspaces/demo` });
    const [req] = double.requests("POST", "/api/v2/organizations/acme/workspaces");
    assert.deepEqual(req.body, {
      data: {
        type: "workspaces",
        attributes: {
          name: "demo",
          description: "JIT AWS demo",
          "execution-mode": "agent",
          "agent-pool-id": poolId,
          "setting-overwrites": { "execution-mode": true, "agent-pool": true },
          "terraform-version": "1.9.5",
          "working-directory": "infra",
          "auto-apply": true,
          "queue-all-runs": false,
          "vcs-repo": { identifier: "acme/infra", "oauth-token-id": "ot-1", branch: "main" },
        },
        relationships: { project: { data: { id: "prj-123", type: "projects" } } },
      },
    });
  });

  it("create on an existing name says so, gives the id and suggests pulumi import", async () => {
    const existing = double.seed("workspaces", "acme", { name: "demo" });
    const err = await rejection(created());
    assert.match(
      err.message,
      /^HCP Terraform rejected workspace "demo": name has already been taken \(\/data\/attributes\/name\)\. It already exists as ws-/,
    );
    assert.match(err.message, new RegExp(`import: "${existing.id}"`));
    assert.match(err.message, /pulumi import pulumi-nodejs:dynamic\/tfc:Workspace/);
  });

  it("read makes one GET and shows no diff for fields the program does not set", async () => {
    const { id, outs, inputs } = await created({
      organization: "acme",
      name: "plain",
      executionMode: "remote",
    });
    const posted = double.requests("POST")[0].body as { data: { attributes: Record<string, unknown> } };
    assert.ok(!("agent-pool-id" in posted.data.attributes), "a create outside agent mode sends no pool");
    double.log.length = 0;
    const read = await p.read(id, outs);
    assert.deepEqual(
      double.requests().map((r) => `${r.method} ${r.path}`),
      [`GET /api/v2/workspaces/${id}`],
    );
    // The double reports terraform-version, working-directory and a project the program left out.
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });
  });

  it("a workspace without a mode inherits the organization default and refreshes without a diff", async () => {
    double.organizationDefaults.set("acme", { executionMode: "agent", agentPoolId: poolId });
    const { id, outs, inputs } = await created({ organization: "acme", name: "inherits" });
    const attrs = (double.requests("POST")[0].body as { data: { attributes: Record<string, unknown> } }).data
      .attributes;
    assert.ok(!("execution-mode" in attrs) && !("setting-overwrites" in attrs), JSON.stringify(attrs));
    assert.equal(double.get(id)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(id), poolId);
    const read = await p.read(id, outs);
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });
  });

  it("a pool changed by hand shows as drift after refresh (read from relationships.agent-pool)", async () => {
    const { id, outs, inputs } = await created();
    const other = double.seed("agent-pools", "acme", { name: "other" }).id;
    double.get(id)!.relationships["agent-pool"] = { data: { id: other, type: "agent-pools" } };
    const read = await p.read(id, outs);
    assert.equal(read.props!.agentPoolId, other);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: true, replaces: [] });
  });

  it("read of a full workspace round-trips without a diff", async () => {
    const { id, outs, inputs } = await created();
    const read = await p.read(id, outs);
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), { changes: false, replaces: [] });
  });

  it("read shows drift and a deleted workspace as gone", async () => {
    const { id, outs, inputs } = await created();
    double.get(id)!.attributes["auto-apply"] = false;
    const read = await p.read(id, outs);
    assert.equal(read.props!.autoApply, false);
    assert.equal((await p.diff(id, read.props!, inputs)).changes, true);
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("updates in place with PATCH /workspaces/:id, including a rename", async () => {
    const { id, outs, inputs } = await created();
    const news = {
      ...inputs,
      name: "demo-2",
      autoApply: false,
      vcsRepo: { identifier: "acme/infra", oauthTokenId: "ot-1", branch: "dev" },
    };
    assert.deepEqual(await p.diff(id, outs!, news), { changes: true, replaces: [] });
    const { outs: updated } = await p.update(id, outs!, news);
    assert.deepEqual(updated, {
      ...news,
      workspaceId: id,
      htmlUrl: `${double.url}/app/acme/workspaces/demo-2`,
    });
    const [req] = double.requests("PATCH", `/api/v2/workspaces/${id}`);
    const attrs = (req.body as { data: { attributes: Record<string, unknown> } }).data.attributes;
    assert.equal(attrs.name, "demo-2");
    assert.equal(attrs["auto-apply"], false);
    assert.equal(attrs["agent-pool-id"], poolId, "staying in agent mode keeps the pool");
    assert.deepEqual(attrs["vcs-repo"], {
      identifier: "acme/infra",
      "oauth-token-id": "ot-1",
      branch: "dev",
    });
    assert.equal(double.get(id)!.attributes.name, "demo-2");
  });

  it("leaving agent mode clears the pool with an empty id, as terraform-provider-tfe does", async () => {
    const { id, outs, inputs } = await created();
    const news = { ...inputs, executionMode: "remote" as const, agentPoolId: undefined };
    assert.equal((await p.diff(id, outs!, news)).changes, true);
    await p.update(id, outs!, news);
    const attrs = (double.requests("PATCH")[0].body as { data: { attributes: Record<string, unknown> } }).data
      .attributes;
    assert.equal(attrs["agent-pool-id"], "");
    assert.equal(attrs["execution-mode"], "remote");
    assert.equal(double.poolOf(id), null);
  });

  it("handing the mode to a WorkspaceExecution (mode left out) never clears the pool on update", async () => {
    // A stack created before WorkspaceExecution existed: state says agent, the new inputs leave
    // the mode out. A rename must not send agent-pool-id: null (the API would refuse agent mode
    // without a pool, or the workspace would lose its pool).
    const { id, outs, inputs } = await created();
    const news = { ...inputs, name: "demo-3", executionMode: undefined, agentPoolId: undefined };
    await p.update(id, outs!, news);
    const attrs = (double.requests("PATCH")[0].body as { data: { attributes: Record<string, unknown> } }).data
      .attributes;
    assert.ok(!("agent-pool-id" in attrs) && !("execution-mode" in attrs), JSON.stringify(attrs));
    assert.equal(double.get(id)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(id), poolId);
  });

  it("check accepts a workspace without execution mode, but not a pool without one", async () => {
    const bare = await p.check({} as WorkspaceInputs, { organization: "acme", name: "w" } as WorkspaceInputs);
    assert.deepEqual(bare.failures, []);
    const poolOnly = await p.check(
      {} as WorkspaceInputs,
      { organization: "acme", name: "w", agentPoolId: "apool-1" } as WorkspaceInputs,
    );
    assert.deepEqual(poolOnly.failures, [
      {
        property: "agentPoolId",
        reason: 'agentPoolId needs executionMode: "agent" (or leave both to a WorkspaceExecution)',
      },
    ]);
  });

  it("replaces when the organization changes, and treats unknowns as changes", async () => {
    const { id, outs, inputs } = await created();
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, organization: "other" }), {
      changes: true,
      replaces: ["organization"],
    });
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, agentPoolId: UNKNOWN }), {
      changes: true,
      replaces: [],
    });
  });

  it("deletes through safe-delete and treats 404 as gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    await p.delete(id, outs!);
    assert.equal(double.get(id), undefined);
    assert.deepEqual(
      double.requests("POST", /safe-delete/).map((r) => r.path),
      [`/api/v2/workspaces/${id}/actions/safe-delete`, `/api/v2/workspaces/${id}/actions/safe-delete`],
    );
    assert.equal(double.requests("DELETE").length, 0, "never the force DELETE");
  });

  it("explains a 409 from safe-delete: the workspace still manages resources", async () => {
    const { id, outs } = await created();
    double.managingResources.add(id);
    const err = await rejection(p.delete(id, outs!));
    assert.match(
      err.message,
      new RegExp(
        `refused to delete workspace "demo" \\(${id}\\): it still manages resources .*destroy run in that workspace, then run pulumi destroy again`,
      ),
    );
    assert.match(err.message, /Workspace is currently managing resources/);
    assert.ok(double.get(id), "the workspace is kept");
  });

  it("a 404 on create names the organization as not found or not visible to the token", async () => {
    const err = await rejection(created({ organization: "nope", name: "w" }));
    assert.match(
      err.message,
      /^HCP Terraform could not create workspace "w": organization "nope" not found or the token cannot see it \(404\)/,
    );
  });
});
