/**
 * `tfc:VariableSet`, `tfc:VariableSetVariable`, `tfc:VariableSetAttachment` through Pulumi's
 * dynamic-provider host over gRPC against the API double: check, create, refresh then diff (no
 * change), update, drift, delete, and the double's answers checked against the documented fields.
 */
import { strict as assert } from "node:assert";
import { DynamicProviderHost, PROVIDER_KEY, rpcSecret, type Props } from "../support/dynamic-provider-host";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { undocumentedFields } from "../support/tfc-api-shapes";
import { rejection, serializeAll } from "./tfc-fixtures";

const KINDS = { set: "set", variable: "setVariable", attachment: "attachment" } as const;
type Kind = keyof typeof KINDS;

describe("tfc variable sets through the dynamic-provider host", function () {
  this.timeout(120_000);
  let double: TfcApiDouble;
  let host: DynamicProviderHost;
  const serialized = {} as Record<Kind, string>;

  before(async () => {
    double = await startTfcApiDouble();
    const texts = await serializeAll(Object.values(KINDS));
    for (const [kind, name] of Object.entries(KINDS)) serialized[kind as Kind] = texts[name];
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
      assert.deepEqual(undocumentedFields(req.response?.body), [], `${req.method} ${req.path}`);
    }
    assert.ok(!host.stderr.includes(double.validToken));
  });

  const withProvider = (kind: Kind, props: Props): Props => ({ ...props, [PROVIDER_KEY]: serialized[kind] });
  const NONE = { changes: "none", replaces: [], deleteBeforeReplace: false };

  async function up(kind: Kind, props: Props) {
    const { inputs, failures } = await host.check({}, withProvider(kind, props));
    assert.deepEqual(failures, []);
    const created = await host.create(inputs);
    const refreshed = await host.read(created.id, created.props);
    assert.equal(refreshed.id, created.id);
    assert.deepEqual(await host.diff(created.id, refreshed.props, inputs), NONE);
    assert.deepEqual((await host.read(created.id, refreshed.props)).props, refreshed.props);
    return { id: created.id, inputs, state: refreshed.props };
  }

  it("VariableSet: create, refresh without diff, rename in place, drift, delete", async () => {
    const set = await up("set", { organization: "acme", name: "shared", description: "JIT AWS settings" });
    assert.match(set.id, /^varset-/);
    const [post] = double.requests("POST", "/api/v2/organizations/acme/varsets");
    assert.deepEqual(post.body, {
      data: {
        type: "varsets",
        attributes: { name: "shared", description: "JIT AWS settings", global: false, priority: false },
      },
    });
    const renamed = { ...set.inputs, name: "shared-2" };
    assert.deepEqual(await host.diff(set.id, set.state, renamed), {
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    await host.update(set.id, set.state, renamed);
    const patch = double.requests("PATCH").at(-1)!;
    assert.ok(
      !("relationships" in (patch.body as { data: object }).data),
      "a PATCH must not clear attachments",
    );
    assert.equal(double.get(set.id)!.attributes.name, "shared-2");
    double.get(set.id)!.attributes.priority = true;
    const drifted = await host.read(set.id, { ...set.state, name: "shared-2" });
    assert.equal((await host.diff(set.id, drifted.props, renamed)).changes, "some");
    await host.delete(set.id, drifted.props);
    await host.delete(set.id, drifted.props);
    assert.equal(double.get(set.id), undefined);
    assert.equal((await host.read(set.id, drifted.props)).id, "");
  });

  it("VariableSet: a taken name names the existing set; an unknown organization says so", async () => {
    const existing = double.seed("varsets", "acme", { name: "shared", global: false });
    const err = await rejection(host.create(withProvider("set", { organization: "acme", name: "shared" })));
    assert.match(
      err.message,
      /name has already been taken \(\/data\/attributes\/name\)\. It already exists as varset-/,
    );
    assert.match(err.message, new RegExp(`import: "${existing.id}"`));
    const org = await rejection(host.create(withProvider("set", { organization: "nope", name: "x" })));
    assert.match(org.message, /organization "nope" not found or the token cannot see it \(404\)/);
  });

  it("VariableSetVariable: plain and sensitive, refresh without diff, value drift, update, delete", async () => {
    const set = double.seed("varsets", "acme", { name: "s", global: false });
    const plain = await up("variable", {
      variableSetId: set.id,
      key: "A",
      value: "1",
      category: "terraform",
    });
    const secret = await up("variable", {
      variableSetId: set.id,
      key: "TFC_VAULT_ADDR",
      value: "https://vault.example:8200",
      category: "env",
      sensitive: true,
    });
    assert.equal(secret.state.value, "https://vault.example:8200", "the write-only value is kept");
    assert.deepEqual(
      double.requests("POST").map((r) => r.path),
      [`/api/v2/varsets/${set.id}/relationships/vars`, `/api/v2/varsets/${set.id}/relationships/vars`],
    );
    double.get(plain.id)!.attributes.value = "2";
    const drifted = await host.read(plain.id, plain.state);
    assert.equal((await host.diff(plain.id, drifted.props, plain.inputs)).changes, "some");
    await host.update(plain.id, drifted.props, plain.inputs);
    assert.equal(double.get(plain.id)!.attributes.value, "1");
    // Turning sensitive off needs a new variable, deleted first (same key and category).
    assert.deepEqual(await host.diff(secret.id, secret.state, { ...secret.inputs, sensitive: false }), {
      changes: "some",
      replaces: ["sensitive"],
      deleteBeforeReplace: true,
    });
    const check = await host.check({}, withProvider("variable", { key: "K", value: "v", category: "env" }));
    assert.deepEqual(check.failures, [
      { property: "variableSetId", reason: "variableSetId is required (a varset-... id)" },
    ]);
    await host.delete(plain.id, plain.state);
    await host.delete(secret.id, secret.state);
    assert.equal(double.get(plain.id), undefined);
    assert.equal((await host.read(plain.id, plain.state)).id, "");
  });

  it("VariableSetAttachment: a workspace and a project; refresh without diff; removal outside Pulumi leaves state", async () => {
    const set = double.seed(
      "varsets",
      "acme",
      { name: "s", global: false },
      {
        workspaces: { data: [] },
        projects: { data: [] },
      },
    );
    const ws = double.seed("workspaces", "acme", { name: "w" });
    double.projects.set("prj-onboarded", "acme");
    const onWs = await up("attachment", { variableSetId: set.id, workspaceId: ws.id });
    const onPrj = await up("attachment", { variableSetId: set.id, projectId: "prj-onboarded" });
    assert.equal(onWs.id, `${set.id}/${ws.id}`);
    assert.deepEqual(double.requests("POST").at(0)!.body, { data: [{ type: "workspaces", id: ws.id }] });
    assert.deepEqual(double.get(set.id)!.relationships.projects.data, [
      { id: "prj-onboarded", type: "projects" },
    ]);
    // Another target replaces the attachment.
    assert.deepEqual(await host.diff(onWs.id, onWs.state, { ...onWs.inputs, workspaceId: "ws-other" }), {
      changes: "some",
      replaces: ["workspaceId"],
      deleteBeforeReplace: false,
    });
    // Removed in the UI: refresh drops it, the next up attaches again.
    double.get(set.id)!.relationships.workspaces = { data: [] };
    assert.equal((await host.read(onWs.id, onWs.state)).id, "");
    await host.delete(onPrj.id, onPrj.state);
    assert.deepEqual(double.get(set.id)!.relationships.projects.data, []);
    await host.delete(onPrj.id, onPrj.state);
    // Import by id alone (`<varset>/<target>`).
    await host.create(onWs.inputs);
    const imported = (await host.read(onWs.id, withProvider("attachment", {}))).props;
    assert.equal(imported.variableSetId, set.id);
    assert.equal(imported.workspaceId, ws.id);
  });

  it("VariableSetAttachment: exactly one target; a global set is refused by the API", async () => {
    const none = await host.check({}, withProvider("attachment", { variableSetId: "varset-1" }));
    const both = await host.check(
      {},
      withProvider("attachment", { variableSetId: "varset-1", workspaceId: "ws-1", projectId: "prj-1" }),
    );
    for (const r of [none, both]) {
      assert.deepEqual(r.failures, [
        {
          property: "workspaceId",
          reason: "set exactly one of workspaceId (a ws-... id) and projectId (a prj-... id)",
        },
      ]);
    }
    const global = double.seed("varsets", "acme", { name: "g", global: true });
    const ws = double.seed("workspaces", "acme", { name: "w" });
    const err = await rejection(
      host.create(withProvider("attachment", { variableSetId: global.id, workspaceId: ws.id })),
    );
    assert.match(
      err.message,
      /HCP Terraform rejected variable set varset-\S+ on workspace ws-\S+: Global variable sets/,
    );
  });
});
