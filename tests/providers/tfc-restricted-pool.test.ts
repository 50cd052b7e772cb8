/**
 * The four kinds together, in the order the program creates them for a pool restricted to one
 * workspace: pool (not organization-scoped) -> workspace (remote) -> allowed workspaces ->
 * execution mode agent. Each resource must leave the others' fields alone on refresh and update.
 */
import { strict as assert } from "node:assert";
import { agentPoolProvider, type AgentPoolState } from "../../providers/tfc/agent-pool";
import {
  agentPoolAllowedWorkspacesProvider,
  type AgentPoolAllowedWorkspacesState,
} from "../../providers/tfc/agent-pool-allowed-workspaces";
import { workspaceProvider, type WorkspaceInputs, type WorkspaceState } from "../../providers/tfc/workspace";
import {
  workspaceExecutionProvider,
  type WorkspaceExecutionState,
} from "../../providers/tfc/workspace-execution";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

describe("agent pool restricted to the demo workspace (pool, workspace, allow-list, execution)", () => {
  let double: TfcApiDouble;
  let pools: Awaited<ReturnType<typeof configured<AgentPoolState, AgentPoolState>>>;
  let workspaces: Awaited<ReturnType<typeof configured<WorkspaceInputs, WorkspaceState>>>;
  let access: Awaited<
    ReturnType<typeof configured<AgentPoolAllowedWorkspacesState, AgentPoolAllowedWorkspacesState>>
  >;
  let execution: Awaited<ReturnType<typeof configured<WorkspaceExecutionState, WorkspaceExecutionState>>>;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    pools = await configured(agentPoolProvider, double);
    workspaces = await configured(workspaceProvider, double);
    access = await configured(agentPoolAllowedWorkspacesProvider, double);
    execution = await configured(workspaceExecutionProvider, double);
  });

  /** check + create, as the engine does for a new resource. */
  async function up<I, O>(
    p: {
      check: (o: I, n: I) => Promise<{ inputs?: I; failures?: unknown[] }>;
      create: (i: I) => Promise<{ id: string; outs?: O }>;
    },
    raw: Partial<I>,
  ) {
    const { inputs, failures } = await p.check({} as I, raw as I);
    assert.deepEqual(failures, []);
    const { id, outs } = await p.create(inputs!);
    return { id, inputs: inputs!, outs: outs! };
  }

  async function restrictedStack() {
    const pool = await up<AgentPoolState, AgentPoolState>(pools, {
      organization: "acme",
      name: "jit-agents",
      organizationScoped: false,
    });
    const ws = await up<WorkspaceInputs, WorkspaceState>(workspaces, { organization: "acme", name: "demo" });
    const allowed = await up<AgentPoolAllowedWorkspacesState, AgentPoolAllowedWorkspacesState>(access, {
      agentPoolId: pool.id,
      workspaceIds: [ws.id],
    });
    const exec = await up<WorkspaceExecutionState, WorkspaceExecutionState>(execution, {
      workspaceId: ws.id,
      executionMode: "agent",
      agentPoolId: pool.id,
    });
    return { pool, ws, allowed, exec };
  }

  it("creates the workspace with its inherited mode (no execution mode sent), then puts it on the pool", async () => {
    const { pool, ws } = await restrictedStack();
    const [create] = double.requests("POST", "/api/v2/organizations/acme/workspaces");
    const attrs = (create.body as { data: { attributes: Record<string, unknown> } }).data.attributes;
    assert.ok(!("execution-mode" in attrs) && !("agent-pool-id" in attrs), JSON.stringify(attrs));
    assert.equal(double.get(pool.id)!.attributes["organization-scoped"], false);
    assert.deepEqual(double.get(pool.id)!.relationships["allowed-workspaces"].data, [
      { id: ws.id, type: "workspaces" },
    ]);
    assert.equal(double.get(ws.id)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(ws.id), pool.id);
  });

  it("refresh then diff shows no change on any of the four resources", async () => {
    const stack = await restrictedStack();
    const poolRead = await pools.read(stack.pool.id, stack.pool.outs);
    assert.deepEqual(
      poolRead.props,
      stack.pool.outs,
      "the pool does not adopt the allow-list it does not manage",
    );
    assert.deepEqual(await pools.diff(stack.pool.id, poolRead.props, stack.pool.inputs), {
      changes: false,
      replaces: [],
    });
    const wsRead = await workspaces.read(stack.ws.id, stack.ws.outs);
    assert.equal(
      wsRead.props!.executionMode,
      undefined,
      "the workspace leaves the mode to WorkspaceExecution",
    );
    assert.equal(wsRead.props!.agentPoolId, undefined);
    assert.deepEqual(await workspaces.diff(stack.ws.id, wsRead.props!, stack.ws.inputs), {
      changes: false,
      replaces: [],
    });
    const accessRead = await access.read(stack.allowed.id, stack.allowed.outs);
    assert.deepEqual(await access.diff(stack.allowed.id, accessRead.props!, stack.allowed.inputs), {
      changes: false,
      replaces: [],
    });
    const execRead = await execution.read(stack.exec.id, stack.exec.outs);
    assert.deepEqual(await execution.diff(stack.exec.id, execRead.props!, stack.exec.inputs), {
      changes: false,
      replaces: [],
    });
  });

  it("renaming the pool keeps its allowed workspaces; renaming the workspace keeps it on the pool", async () => {
    const stack = await restrictedStack();
    await pools.update(stack.pool.id, stack.pool.outs, { ...stack.pool.inputs, name: "jit-agents-2" });
    const poolPatch = double.requests("PATCH", `/api/v2/agent-pools/${stack.pool.id}`).at(-1)!;
    assert.ok(
      !("relationships" in (poolPatch.body as { data: object }).data),
      "pool PATCH sent the allow-list",
    );
    assert.deepEqual(double.get(stack.pool.id)!.relationships["allowed-workspaces"].data, [
      { id: stack.ws.id, type: "workspaces" },
    ]);

    await workspaces.update(stack.ws.id, stack.ws.outs, { ...stack.ws.inputs, name: "demo-2" });
    const wsPatch = double.requests("PATCH", `/api/v2/workspaces/${stack.ws.id}`).at(-1)!;
    const attrs = (wsPatch.body as { data: { attributes: Record<string, unknown> } }).data.attributes;
    assert.ok(!("execution-mode" in attrs) && !("agent-pool-id" in attrs), JSON.stringify(attrs));
    assert.equal(double.get(stack.ws.id)!.attributes["execution-mode"], "agent");
    assert.equal(double.poolOf(stack.ws.id), stack.pool.id);
  });

  it("a workspace created in agent mode on the restricted pool is refused: why the mode is set afterwards", async () => {
    const pool = await up<AgentPoolState, AgentPoolState>(pools, {
      organization: "acme",
      name: "jit-agents",
      organizationScoped: false,
    });
    const err = await rejection(
      up<WorkspaceInputs, WorkspaceState>(workspaces, {
        organization: "acme",
        name: "demo",
        executionMode: "agent",
        agentPoolId: pool.id,
      }),
    );
    assert.match(
      err.message,
      /rejected workspace "demo": Agent pool workspace does not have access to use this agent pool\. Fix: a pool that is not organization-scoped cannot allow a workspace that does not exist yet/,
    );
  });

  it("agent mode before the allow-list is refused with the fix", async () => {
    const pool = await up<AgentPoolState, AgentPoolState>(pools, {
      organization: "acme",
      name: "jit-agents",
      organizationScoped: false,
    });
    const ws = await up<WorkspaceInputs, WorkspaceState>(workspaces, { organization: "acme", name: "demo" });
    const err = await rejection(
      up<WorkspaceExecutionState, WorkspaceExecutionState>(execution, {
        workspaceId: ws.id,
        executionMode: "agent",
        agentPoolId: pool.id,
      }),
    );
    assert.match(
      err.message,
      /does not have access to use this agent pool\. Fix: allow the workspace on the pool first/,
    );
  });

  it("destroy in reverse order leaves the pool with no allowed workspace and deletes everything", async () => {
    const stack = await restrictedStack();
    await execution.delete(stack.exec.id, stack.exec.outs);
    assert.equal(double.get(stack.ws.id)!.attributes["execution-mode"], "remote");
    await access.delete(stack.allowed.id, stack.allowed.outs);
    assert.deepEqual(double.get(stack.pool.id)!.relationships["allowed-workspaces"].data, []);
    await workspaces.delete(stack.ws.id, stack.ws.outs);
    await pools.delete(stack.pool.id, stack.pool.outs);
    assert.equal(double.get(stack.ws.id), undefined);
    assert.equal(double.get(stack.pool.id), undefined);
  });
});
