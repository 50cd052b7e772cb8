import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { variableProvider, type VariableInputs } from "../../providers/tfc/variable";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

const SECRET_VALUE = "s3cr3t-vault-role-value-7f1c";

describe("tfc:Variable provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<VariableInputs, VariableInputs>>>;
  let wsId: string;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(variableProvider, double);
    wsId = double.seed("workspaces", "acme", { name: "demo" }).id;
  });

  async function created(raw: Partial<VariableInputs> = {}) {
    const { inputs, failures } = await p.check(
      {} as VariableInputs,
      {
        workspaceId: wsId,
        key: "TFC_VAULT_ADDR",
        value: "https://vault.example.com",
        category: "env",
        ...raw,
      } as VariableInputs,
    );
    assert.deepEqual(failures, []);
    return { inputs: inputs!, ...(await p.create(inputs!)) };
  }

  it("check fills sensitive/hcl defaults and names bad fields", async () => {
    const { inputs } = await p.check(
      {} as VariableInputs,
      { workspaceId: wsId, key: "K", value: "v", category: "env" } as VariableInputs,
    );
    assert.deepEqual(inputs, {
      workspaceId: wsId,
      key: "K",
      value: "v",
      category: "env",
      sensitive: false,
      hcl: false,
    });
    const { failures } = await p.check(
      {} as VariableInputs,
      { category: "secret" } as unknown as VariableInputs,
    );
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["workspaceId", "key", "value", "category"],
    );
  });

  it("creates with POST /workspaces/:id/vars and the documented attributes", async () => {
    const { id, outs, inputs } = await created({ description: "Vault address", hcl: false });
    assert.match(id, /^var-/);
    assert.deepEqual(outs, inputs);
    const [req] = double.requests("POST", `/api/v2/workspaces/${wsId}/vars`);
    assert.deepEqual(req.body, {
      data: {
        type: "vars",
        attributes: {
          key: "TFC_VAULT_ADDR",
          value: "https://vault.example.com",
          category: "env",
          sensitive: false,
          hcl: false,
          description: "Vault address",
        },
      },
    });
  });

  it("create on an existing key+category says so and suggests import with the id", async () => {
    const existing = double.seed("vars", wsId, {
      key: "TFC_VAULT_ADDR",
      category: "env",
      value: "x",
      sensitive: false,
    });
    const err = await rejection(created({ value: SECRET_VALUE }));
    assert.match(
      err.message,
      /rejected env variable "TFC_VAULT_ADDR" of workspace ws-.*: key has already been taken \(\/data\/attributes\/key\)/,
    );
    assert.match(err.message, new RegExp(`already exists as ${existing.id}`));
    assert.ok(!err.message.includes(SECRET_VALUE), "the value never appears in a message");
  });

  it("a sensitive variable is write-only upstream but refresh shows no perpetual diff", async () => {
    const { id, outs, inputs } = await created({ key: "TOKEN", value: SECRET_VALUE, sensitive: true });
    const res = await fetch(`${double.url}/api/v2/workspaces/${wsId}/vars`, {
      headers: { Authorization: `Bearer ${double.validToken}` },
    });
    const [listed] = ((await res.json()) as { data: { attributes: { value: unknown } }[] }).data;
    assert.equal(listed.attributes.value, null, "the double hides sensitive values like the API");
    double.log.length = 0;
    const read = await p.read(id, outs);
    assert.equal(double.log.length, 1);
    assert.deepEqual(read.props, outs);
    assert.deepEqual(await p.diff(id, read.props!, inputs), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("read shows drift of a readable value and reports a deleted variable as gone", async () => {
    const { id, outs, inputs } = await created();
    double.get(id)!.attributes.value = "changed-in-ui";
    const read = await p.read(id, outs);
    assert.equal(read.props!.value, "changed-in-ui");
    assert.equal((await p.diff(id, read.props!, inputs)).changes, true);
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("updates value, hcl, description and sensitive=true in place with PATCH", async () => {
    const { id, outs, inputs } = await created();
    const news = { ...inputs, value: SECRET_VALUE, sensitive: true, description: "now secret" };
    assert.deepEqual(await p.diff(id, outs!, news), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const { outs: updated } = await p.update(id, outs!, news);
    assert.deepEqual(updated, news);
    const [req] = double.requests("PATCH", `/api/v2/workspaces/${wsId}/vars/${id}`);
    assert.deepEqual(req.body, {
      data: {
        type: "vars",
        id,
        attributes: {
          key: "TFC_VAULT_ADDR",
          value: SECRET_VALUE,
          category: "env",
          sensitive: true,
          hcl: false,
          description: "now secret",
        },
      },
    });
  });

  it("replaces on key, category or workspace change (new first: they cannot collide)", async () => {
    const { id, outs, inputs } = await created();
    for (const field of ["key", "category", "workspaceId"] as const) {
      const changed = { ...inputs, [field]: field === "category" ? "terraform" : "other" };
      assert.deepEqual(
        await p.diff(id, outs!, changed),
        { changes: true, replaces: [field], deleteBeforeReplace: false },
        field,
      );
    }
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, key: UNKNOWN }), {
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
  });

  it("turning sensitive off replaces, deleting first since the key and category stay the same", async () => {
    const { id, outs, inputs } = await created({ sensitive: true });
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, sensitive: false }), {
      changes: true,
      replaces: ["sensitive"],
      deleteBeforeReplace: true,
    });
  });

  it("deletes with DELETE /workspaces/:id/vars/:var_id and treats 404 as gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    await p.delete(id, outs!);
    assert.equal(double.get(id), undefined);
    assert.deepEqual(
      double.requests("DELETE").map((r) => r.path),
      [`/api/v2/workspaces/${wsId}/vars/${id}`, `/api/v2/workspaces/${wsId}/vars/${id}`],
    );
  });

  it("read without workspaceId (an import without it) says which input to set", async () => {
    const err = await rejection(p.read("var-1", { key: "K" } as VariableInputs));
    assert.match(
      err.message,
      /cannot read variable var-1 without its workspaceId; import it with the workspaceId input set/,
    );
  });

  it("a 422 on update names the field and never the value", async () => {
    const { id, outs, inputs } = await created({ sensitive: true, value: SECRET_VALUE });
    double.seed("vars", wsId, { key: "TAKEN", category: "env", value: "x", sensitive: false });
    const err = await rejection(p.update(id, outs!, { ...inputs, key: "TAKEN" }));
    assert.match(err.message, /key has already been taken \(\/data\/attributes\/key\)/);
    assert.ok(!err.message.includes(SECRET_VALUE));
  });
});
