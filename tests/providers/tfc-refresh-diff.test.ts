/**
 * `pulumi refresh` then `pulumi up` for every HCP Terraform resource kind, through Pulumi's
 * dynamic-provider host over gRPC: after create, a refresh (read) followed by a diff against the
 * same inputs shows no change, a second refresh reads the same state, and a change made by hand
 * in HCP Terraform shows up. The double's answers carry only fields the API documents
 * (tests/support/tfc-api-shapes.ts), checked at the end.
 */
import { strict as assert } from "node:assert";
import { DynamicProviderHost, PROVIDER_KEY, rpcSecret, type Props } from "../support/dynamic-provider-host";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { undocumentedFields } from "../support/tfc-api-shapes";
import { serializeAll } from "./tfc-fixtures";

/** The kinds the program has besides the variable sets (tfc-variable-sets.test.ts does those). */
const KINDS = ["pool", "token", "workspace", "variable", "access", "execution"] as const;
type Kind = (typeof KINDS)[number];

describe("refresh then diff, every tfc kind, through the dynamic-provider host", function () {
  this.timeout(120_000);
  let double: TfcApiDouble;
  let host: DynamicProviderHost;
  let serialized = {} as Record<Kind, string>;

  before(async () => {
    double = await startTfcApiDouble();
    serialized = await serializeAll(KINDS);
    host = await DynamicProviderHost.start();
    await host.configure({ "tfc:hostname": double.url, "tfc:token": rpcSecret(double.validToken) });
  });
  after(async () => {
    await host?.stop();
    await double?.stop();
  });
  beforeEach(() => double.reset());
  afterEach(function () {
    if (this.currentTest?.state !== "passed") return;
    for (const req of double.log) {
      assert.deepEqual(
        undocumentedFields(req.response?.body),
        [],
        `${req.method} ${req.path} answered undocumented fields`,
      );
    }
  });

  const withProvider = (kind: Kind, props: Props): Props => ({ ...props, [PROVIDER_KEY]: serialized[kind] });

  /** create, refresh, diff (none), refresh again (same state). */
  async function upAndRefresh(kind: Kind, props: Props) {
    const { inputs, failures } = await host.check({}, withProvider(kind, props));
    assert.deepEqual(failures, []);
    const created = await host.create(inputs);
    const refreshed = await host.read(created.id, created.props);
    assert.equal(refreshed.id, created.id);
    assert.deepEqual(await host.diff(created.id, refreshed.props, inputs), {
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const again = await host.read(created.id, refreshed.props);
    assert.deepEqual(again.props, refreshed.props, `${kind}: a second refresh changed the state`);
    return { id: created.id, inputs, state: refreshed.props };
  }

  async function driftShows(kind: Kind, r: { id: string; inputs: Props; state: Props }) {
    const drifted = await host.read(r.id, r.state);
    const diff = await host.diff(r.id, drifted.props, r.inputs);
    assert.equal(diff.changes, "some", `${kind}: a change made by hand does not show`);
    return drifted.props;
  }

  it("AgentPool", async () => {
    const r = await upAndRefresh("pool", { organization: "acme", name: "p", organizationScoped: false });
    double.get(r.id)!.attributes.name = "renamed-in-ui";
    await driftShows("pool", r);
  });

  it("AgentToken (the secret is kept across refreshes; a token deleted by hand leaves state)", async () => {
    const pool = double.seed("agent-pools", "acme", { name: "p", "organization-scoped": true });
    const r = await upAndRefresh("token", { agentPoolId: pool.id, description: "agents" });
    assert.equal(r.state.token, double.get(r.id)!.attributes.token);
    await fetch(`${double.url}/api/v2/authentication-tokens/${r.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${double.validToken}` },
    });
    assert.equal((await host.read(r.id, r.state)).id, "");
  });

  it("Workspace, minimal (inherits its mode)", async () => {
    const r = await upAndRefresh("workspace", { organization: "acme", name: "w" });
    double.get(r.id)!.attributes["auto-apply"] = true;
    await driftShows("workspace", r);
  });

  it("Workspace, every field, in agent mode", async () => {
    const pool = double.seed("agent-pools", "acme", { name: "p", "organization-scoped": true });
    const other = double.seed("agent-pools", "acme", { name: "o", "organization-scoped": true });
    const r = await upAndRefresh("workspace", {
      organization: "acme",
      name: "full",
      projectId: "prj-123",
      description: "d",
      executionMode: "agent",
      agentPoolId: pool.id,
      terraformVersion: "1.9.5",
      workingDirectory: "infra",
      autoApply: true,
      queueAllRuns: true,
      vcsRepo: { identifier: "acme/infra", oauthTokenId: "ot-1", branch: "main" },
    });
    double.get(r.id)!.relationships["agent-pool"] = { data: { id: other.id, type: "agent-pools" } };
    const drifted = await driftShows("workspace", r);
    assert.equal(drifted.agentPoolId, other.id);
  });

  it("Variable, plain and sensitive", async () => {
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const plain = await upAndRefresh("variable", {
      workspaceId: ws.id,
      key: "A",
      value: "1",
      category: "terraform",
      hcl: false,
      description: "a",
    });
    const sensitive = await upAndRefresh("variable", {
      workspaceId: ws.id,
      key: "B",
      value: "secret",
      category: "env",
      sensitive: true,
    });
    assert.equal(sensitive.state.value, "secret", "the write-only value is kept from state");
    double.get(plain.id)!.attributes.value = "2";
    await driftShows("variable", plain);
  });

  it("AgentPoolAllowedWorkspaces", async () => {
    const pool = double.seed("agent-pools", "acme", { name: "p", "organization-scoped": false });
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const r = await upAndRefresh("access", { agentPoolId: pool.id, workspaceIds: [ws.id] });
    double.get(pool.id)!.relationships["allowed-workspaces"] = { data: [] };
    await driftShows("access", r);
  });

  it("WorkspaceExecution (pool read from relationships.agent-pool; a pool changed by hand shows)", async () => {
    const pool = double.seed("agent-pools", "acme", { name: "p", "organization-scoped": true });
    const other = double.seed("agent-pools", "acme", { name: "o", "organization-scoped": true });
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const r = await upAndRefresh("execution", {
      workspaceId: ws.id,
      executionMode: "agent",
      agentPoolId: pool.id,
    });
    assert.equal(r.state.agentPoolId, pool.id);
    double.get(ws.id)!.relationships["agent-pool"] = { data: { id: other.id, type: "agent-pools" } };
    const drifted = await driftShows("execution", r);
    assert.equal(drifted.agentPoolId, other.id);
  });

  it("the shape check itself catches an undocumented field", () => {
    assert.deepEqual(
      undocumentedFields({
        data: { id: "ws-1", type: "workspaces", attributes: { "agent-pool-id": "apool-1" } },
      }),
      ["workspaces.attributes.agent-pool-id"],
    );
    assert.deepEqual(
      undocumentedFields({ errors: [{ status: "422", code: "x", source: { parameter: "p" } }] }),
      ["errors[].code", "errors[].source.parameter"],
    );
  });
});
