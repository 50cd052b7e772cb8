/** The resource classes under Pulumi mocks: type tokens, inputs, and secrets in the registered outputs. */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as tfc from "../../providers/tfc";
import { withSecretOutputs } from "../../providers/tfc/secret-outputs";
import {
  installMocks,
  isSecretInput,
  outputIsSecret,
  plain,
  recorder,
  settled,
  valueOf,
} from "../support/pulumi-mocks";

/** The two getters we read from the engine-facing RegisterResourceRequest. */
interface RegisterRequest {
  getType(): string;
  getAdditionalsecretoutputsList(): string[];
}

describe("tfc resource classes (Pulumi mocks)", () => {
  // The classes register nothing at import time, so a static import before setMocks is safe.
  before(installMocks);
  beforeEach(() => {
    recorder.reset();
    recorder.outputs.delete("pulumi-nodejs:dynamic/tfc:AgentToken");
  });

  it("registers each kind under its pulumi-nodejs:dynamic/tfc type token with a serialized provider", async () => {
    new tfc.AgentPool("pool", { organization: "acme", name: "jit" });
    new tfc.AgentToken("token", { agentPoolId: "apool-1", description: "agents" });
    new tfc.Workspace("ws", {
      organization: "acme",
      name: "demo",
      executionMode: "agent",
      agentPoolId: "apool-1",
    });
    new tfc.Variable("var", { workspaceId: "ws-1", key: "K", value: "v", category: "env" });
    new tfc.AgentPoolAllowedWorkspaces("access", { agentPoolId: "apool-1", workspaceIds: ["ws-1"] });
    new tfc.WorkspaceExecution("exec", {
      workspaceId: "ws-1",
      executionMode: "agent",
      agentPoolId: "apool-1",
    });
    await settled();
    for (const kind of [
      "AgentPool",
      "AgentToken",
      "Workspace",
      "Variable",
      "AgentPoolAllowedWorkspaces",
      "WorkspaceExecution",
    ]) {
      const r = recorder.one(`pulumi-nodejs:dynamic/tfc:${kind}`);
      assert.match(
        String(plain(r.inputs.__provider)),
        /^exports\.handler = /,
        `${kind} has a serialized provider`,
      );
    }
    const wsInputs = {
      ...(plain(recorder.one("pulumi-nodejs:dynamic/tfc:Workspace").inputs) as object),
    } as Record<string, unknown>;
    delete wsInputs.__provider;
    assert.deepEqual(wsInputs, {
      organization: "acme",
      name: "demo",
      executionMode: "agent",
      agentPoolId: "apool-1",
    });
  });

  it("the agent token output is secret", async () => {
    recorder.outputs.set("pulumi-nodejs:dynamic/tfc:AgentToken", () => ({
      token: "agent-secret-from-create",
    }));
    const token = new tfc.AgentToken("token", { agentPoolId: "apool-1", description: "agents" });
    assert.equal(await outputIsSecret(token.token), true);
    assert.equal(await valueOf(token.token), "agent-secret-from-create");
    assert.equal(await outputIsSecret(token.description), false);
  });

  it("a variable value is secret from input to output, sensitive or not", async () => {
    const sensitive = new tfc.Variable("s", {
      workspaceId: "ws-1",
      key: "S",
      value: "top-secret",
      category: "env",
      sensitive: true,
    });
    const plainVar = new tfc.Variable("p", {
      workspaceId: "ws-1",
      key: "P",
      value: "not-so-secret",
      category: "terraform",
    });
    await settled();
    assert.equal(await outputIsSecret(sensitive.value), true);
    assert.equal(await outputIsSecret(plainVar.value), true);
    assert.ok(
      isSecretInput(recorder.one("pulumi-nodejs:dynamic/tfc:Variable", "s").inputs.value),
      "secret in the engine inputs",
    );
    assert.equal(await valueOf(sensitive.value), "top-secret");
    assert.equal(await outputIsSecret(sensitive.key), false);
  });

  it("a variable-set variable's value is secret from input to output, sensitive or not", async () => {
    const v = new tfc.VariableSetVariable("sv", {
      variableSetId: "varset-1",
      key: "K",
      value: "shared-secret",
      category: "env",
    });
    await settled();
    assert.equal(await outputIsSecret(v.value), true);
    assert.ok(
      isSecretInput(recorder.one("pulumi-nodejs:dynamic/tfc:VariableSetVariable", "sv").inputs.value),
    );
    assert.equal(await outputIsSecret(v.key), false);
  });

  it("no serialized provider registered with a resource is secret or contains a token", async () => {
    new tfc.Workspace("ws", { organization: "acme", name: "demo", executionMode: "remote" });
    await settled();
    const provider = recorder.one("pulumi-nodejs:dynamic/tfc:Workspace").inputs.__provider;
    assert.equal(isSecretInput(provider), false, "a secret __provider means something secret was captured");
  });

  it("asks the engine to encrypt the token and the variable value in state (additionalSecretOutputs)", async () => {
    // The mock monitor ignores additionalSecretOutputs, so read it off the registration request.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource: (req: RegisterRequest, cb: unknown) => unknown;
    };
    const original = monitor.registerResource;
    const asked = new Map<string, string[]>();
    monitor.registerResource = function (req: RegisterRequest, cb: unknown) {
      asked.set(req.getType(), req.getAdditionalsecretoutputsList());
      return original.call(this, req, cb);
    };
    try {
      new tfc.AgentToken(
        "token",
        { agentPoolId: "apool-1", description: "agents" },
        { additionalSecretOutputs: ["description"] },
      );
      new tfc.Variable("var", { workspaceId: "ws-1", key: "K", value: "v", category: "env" });
      new tfc.AgentPool("pool", { organization: "acme", name: "jit" });
      new tfc.VariableSetVariable("svar", {
        variableSetId: "varset-1",
        key: "K",
        value: "v",
        category: "env",
      });
      new tfc.VariableSet("set", { organization: "acme", name: "shared" });
      new tfc.VariableSetAttachment("att", { variableSetId: "varset-1", workspaceId: "ws-1" });
      await settled();
    } finally {
      monitor.registerResource = original;
    }
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:VariableSetVariable"), ["value"]);
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:VariableSet"), []);
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:VariableSetAttachment"), []);
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:AgentToken"), ["description", "token"]);
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:Variable"), ["value"]);
    assert.deepEqual(asked.get("pulumi-nodejs:dynamic/tfc:AgentPool"), []);
  });

  it("additionalSecretOutputs keeps the caller's entries and adds ours once", () => {
    assert.deepEqual(withSecretOutputs(undefined, ["token"]).additionalSecretOutputs, ["token"]);
    const opts: pulumi.CustomResourceOptions = {
      protect: true,
      additionalSecretOutputs: ["description", "token"],
    };
    assert.deepEqual(withSecretOutputs(opts, ["token"]), {
      protect: true,
      additionalSecretOutputs: ["description", "token"],
    });
  });
});
