import { strict as assert } from "node:assert";
import {
  agentTokenProvider,
  type AgentTokenInputs,
  type AgentTokenState,
} from "../../providers/tfc/agent-token";
import { UNKNOWN } from "../../providers/tfc/dynamic-support";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured, rejection } from "./tfc-fixtures";

describe("tfc:AgentToken provider", () => {
  let double: TfcApiDouble;
  let p: Awaited<ReturnType<typeof configured<AgentTokenInputs, AgentTokenState>>>;
  let poolId: string;
  before(async () => {
    double = await startTfcApiDouble();
  });
  after(() => double.stop());
  beforeEach(async () => {
    double.reset();
    p = await configured(agentTokenProvider, double);
    poolId = double.seed("agent-pools", "acme", { name: "pool" }).id;
  });

  async function created(description = "ecs agents") {
    const { inputs } = await p.check({} as AgentTokenInputs, { agentPoolId: poolId, description });
    return { inputs: inputs!, ...(await p.create(inputs!)) };
  }

  it("creates with POST /agent-pools/:id/authentication-tokens and returns the one-time secret", async () => {
    const { id, outs } = await created();
    assert.match(id, /^at-/);
    assert.equal(outs!.token, double.get(id)!.attributes.token);
    assert.deepEqual({ ...outs, token: "x" }, { agentPoolId: poolId, description: "ecs agents", token: "x" });
    const [req] = double.requests("POST", `/api/v2/agent-pools/${poolId}/authentication-tokens`);
    assert.deepEqual(req.body, {
      data: { type: "authentication-tokens", attributes: { description: "ecs agents" } },
    });
    assert.equal(double.log.length, 1);
  });

  it("check names missing pool and description", async () => {
    const { failures } = await p.check({} as AgentTokenInputs, {} as AgentTokenInputs);
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["agentPoolId", "description"],
    );
  });

  it("read keeps the secret it cannot read back and makes no diff", async () => {
    const { id, outs, inputs } = await created();
    double.log.length = 0;
    const read = await p.read(id, outs);
    assert.deepEqual(read, { id, props: outs });
    assert.deepEqual(
      double.requests().map((r) => [r.method, r.path]),
      [["GET", `/api/v2/agent-pools/${poolId}/authentication-tokens`]],
    );
    assert.deepEqual(await p.diff(id, read.props!, inputs), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("read reports a token revoked outside Pulumi (or a deleted pool) as gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    assert.equal((await p.read(id, outs)).id, "");
    double.reset();
    assert.equal((await p.read(id, outs)).id, "");
  });

  it("replaces on any input change, creating the new token before deleting the old", async () => {
    const { id, outs, inputs } = await created();
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, description: "rotated" }), {
      changes: true,
      replaces: ["description"],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(await p.diff(id, outs!, { ...inputs, agentPoolId: UNKNOWN }), {
      changes: true,
      replaces: ["agentPoolId"],
      deleteBeforeReplace: false,
    });
    assert.equal(agentTokenProvider.update, undefined, "a token has no in-place update");
  });

  it("deletes with DELETE /authentication-tokens/:id and treats 404 as gone", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs!);
    await p.delete(id, outs!);
    assert.equal(double.get(id), undefined);
    assert.deepEqual(
      double.requests("DELETE").map((r) => r.path),
      [`/api/v2/authentication-tokens/${id}`, `/api/v2/authentication-tokens/${id}`],
    );
  });

  it("never puts the token in an error message", async () => {
    const { id, outs } = await created();
    double.faults.push({ status: 400, times: 1 });
    const err = await rejection(p.delete(id, outs!));
    assert.ok(!err.message.includes(outs!.token), err.message);
    assert.match(err.message, /agent token "ecs agents" of agent pool apool-/);
  });

  it("fails clearly when a create answer carries no token secret", async () => {
    double.faults.push({
      status: 201,
      times: 1,
      body: { data: { id: "at-x", type: "authentication-tokens", attributes: {} } },
    });
    const err = await rejection(p.create({ agentPoolId: poolId, description: "d" }));
    assert.match(
      err.message,
      /created agent token "d" of agent pool apool-\S+ \(at-x\) but returned no token secret/,
    );
  });

  it("fails clearly when a create answer has no resource at all", async () => {
    double.faults.push({ status: 201, times: 1, body: {} });
    const err = await rejection(p.create({ agentPoolId: poolId, description: "d" }));
    assert.match(err.message, /HCP Terraform answered 201 for agent token "d" .* without a resource/);
  });

  it("read without agentPoolId (an import without it) says which input to set", async () => {
    const err = await rejection(p.read("at-1", { description: "d" } as AgentTokenState));
    assert.match(
      err.message,
      /cannot read agent token at-1 without its agentPoolId; import it with the agentPoolId input set/,
    );
  });

  it("fails clearly when the pool does not exist", async () => {
    const err = await rejection(p.create({ agentPoolId: "apool-missing", description: "d" }));
    assert.match(err.message, /found no agent token "d" of agent pool apool-missing \(404/);
  });
});
