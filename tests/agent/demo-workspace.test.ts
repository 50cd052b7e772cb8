import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { DemoWorkspace, type DemoWorkspaceArgs, type HookContract } from "../../components/demo-workspace";
import { poolAllowList } from "../../components/onboarded-workspace-tfc";
import { T, WORKSPACE_ID, useAgentMocks } from "./fixtures";

const CONTRACT: HookContract = {
  audience: "vault.workload.identity",
  vaultAddress: "https://vault.example.com:8200",
  authPath: "jwt-tfc",
  jwtRoles: { plan: "tfc-plan", apply: "tfc-apply" },
  awsMountPath: "aws",
  credentialType: "iam_user",
  awsRoles: { plan: "tfc-plan", apply: "tfc-apply" },
};

function args(overrides: Partial<DemoWorkspaceArgs> = {}): DemoWorkspaceArgs {
  return {
    organization: "acme",
    name: "network-prod",
    // As the stack does: the pool's one allow-list, naming the new workspace.
    allowOnPool: (id: pulumi.Output<string>) => poolAllowList("demo-pool-access", "apool-Abc123", [id]),
    vcsRepo: { identifier: "acme/hashicat-aws", oauthTokenId: "ot-Abc123" },
    demo: { prefix: "acme-demo", region: "eu-west-1" },
    bindHookContract: () => CONTRACT,
    ...overrides,
  };
}

type Vars = Record<string, { value: unknown; category: unknown; sensitive: unknown; workspaceId: unknown }>;

function variables(): Vars {
  return Object.fromEntries(
    recorder.ofType(T.variable).map((v) => {
      const i = plain(v.inputs) as Record<string, unknown>;
      return [
        `${String(i.category)}:${String(i.key)}`,
        { value: i.value, category: i.category, sensitive: i.sensitive, workspaceId: i.workspaceId },
      ];
    }),
  );
}

describe("DemoWorkspace", () => {
  useAgentMocks();

  it("creates the workspace linked to the demo repository, leaving its execution mode to WorkspaceExecution", async () => {
    const ws = new DemoWorkspace("demo", args({ projectId: "prj-Abc123", terraformVersion: "1.9.8" }));
    await settled();
    const inputs = plain(recorder.one(T.workspace, "demo-workspace").inputs) as Record<string, unknown>;
    assert.equal(inputs.organization, "acme");
    assert.equal(inputs.name, "network-prod");
    // Created in remote mode: a restricted pool refuses a workspace it does not allow yet.
    assert.equal(inputs.executionMode, undefined);
    assert.equal(inputs.agentPoolId, undefined);
    assert.equal(inputs.projectId, "prj-Abc123");
    assert.equal(inputs.terraformVersion, "1.9.8");
    assert.equal(inputs.autoApply, false);
    assert.deepEqual(inputs.vcsRepo, { identifier: "acme/hashicat-aws", oauthTokenId: "ot-Abc123" });
    assert.equal(await valueOf(ws.workspaceId), WORKSPACE_ID);
  });

  it("allows the workspace on the pool, then puts it in agent mode on that pool", async () => {
    new DemoWorkspace("demo", args());
    await settled();
    const access = plain(recorder.one(T.poolAccess, "demo-pool-access").inputs) as Record<string, unknown>;
    assert.deepEqual(access, {
      agentPoolId: "apool-Abc123",
      workspaceIds: [WORKSPACE_ID],
      __provider: access.__provider,
    });
    const execution = plain(recorder.one(T.execution, "demo-execution").inputs) as Record<string, unknown>;
    assert.equal(execution.workspaceId, WORKSPACE_ID);
    assert.equal(execution.executionMode, "agent");
    assert.equal(execution.agentPoolId, "apool-Abc123");
    const order = recorder.resources.map((r) => r.type);
    assert.ok(order.indexOf(T.workspace) < order.indexOf(T.poolAccess), order.join(", "));
    assert.ok(order.indexOf(T.poolAccess) < order.indexOf(T.execution), order.join(", "));
  });

  it("takes the execution's pool from the allow-list, so agent mode waits for the pool to allow the workspace", async () => {
    recorder.outputs.set(T.poolAccess, () => ({ agentPoolId: "apool-AsAllowed" }));
    new DemoWorkspace("demo", args());
    await settled();
    assert.equal(recorder.one(T.execution).inputs.agentPoolId, "apool-AsAllowed");
  });

  it("hands on the workspace id from the execution, so trust and variables come after agent mode", async () => {
    recorder.outputs.set(T.execution, () => ({ workspaceId: "ws-AfterAgentMode" }));
    let bound: string | undefined;
    new DemoWorkspace(
      "demo",
      args({
        bindHookContract: (id) => {
          id.apply((v) => (bound = v));
          return CONTRACT;
        },
      }),
    );
    await settled();
    assert.equal(bound, "ws-AfterAgentMode");
    for (const v of recorder.ofType(T.variable)) assert.equal(v.inputs.workspaceId, "ws-AfterAgentMode");
  });

  it("binds the contract with the new workspace's id and writes the hook variables to that workspace", async () => {
    let bound: string | undefined;
    new DemoWorkspace(
      "demo",
      args({
        bindHookContract: (id) => {
          id.apply((v) => (bound = v));
          return CONTRACT;
        },
      }),
    );
    await settled();
    assert.equal(bound, WORKSPACE_ID);
    const vars = variables();
    assert.deepEqual(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.value])), {
      "env:TFC_WORKLOAD_IDENTITY_AUDIENCE": "vault.workload.identity",
      "env:TFC_VAULT_ADDR": "https://vault.example.com:8200",
      "env:TFC_VAULT_AUTH_PATH": "jwt-tfc",
      "env:TFC_VAULT_PLAN_ROLE": "tfc-plan",
      "env:TFC_VAULT_APPLY_ROLE": "tfc-apply",
      "env:TFC_VAULT_BACKED_AWS_MOUNT_PATH": "aws",
      "env:TFC_VAULT_BACKED_AWS_AUTH_TYPE": "iam_user",
      "env:TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE": "tfc-plan",
      "env:TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE": "tfc-apply",
      "terraform:prefix": "acme-demo",
      "terraform:region": "eu-west-1",
    });
    for (const [key, v] of Object.entries(vars)) {
      assert.equal(v.workspaceId, WORKSPACE_ID, key);
      assert.equal(v.sensitive, false, `${key}: no contract value is a secret`);
    }
  });

  it("never turns on HCP Terraform's native Vault-backed flow, which would make our hooks stand down", async () => {
    new DemoWorkspace("demo", args());
    await settled();
    const keys = Object.keys(variables());
    assert.ok(!keys.includes("env:TFC_VAULT_PROVIDER_AUTH"));
    assert.ok(!keys.includes("env:TFC_VAULT_BACKED_AWS_AUTH"));
  });

  it("adds namespace, CA and role ARNs only when they are set", async () => {
    const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString(
      "base64",
    );
    new DemoWorkspace(
      "demo",
      args({
        bindHookContract: () => ({
          ...CONTRACT,
          credentialType: "assumed_role",
          vaultNamespace: "admin/platform",
          vaultEncodedCaCert: ca,
          roleArns: {
            plan: "arn:aws:iam::123456789012:role/tfc-plan",
            apply: "arn:aws:iam::123456789012:role/tfc-apply",
          },
        }),
      }),
    );
    await settled();
    const vars = variables();
    assert.equal(vars["env:TFC_VAULT_NAMESPACE"].value, "admin/platform");
    assert.equal(vars["env:TFC_VAULT_ENCODED_CACERT"].value, ca);
    assert.equal(
      vars["env:TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN"].value,
      "arn:aws:iam::123456789012:role/tfc-plan",
    );
    assert.equal(
      vars["env:TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN"].value,
      "arn:aws:iam::123456789012:role/tfc-apply",
    );
    assert.equal(vars["env:TFC_VAULT_BACKED_AWS_AUTH_TYPE"].value, "assumed_role");
  });

  it("writes the variables only once the contract's values exist (they depend on the Vault resources)", async () => {
    let resolve!: (v: string) => void;
    const late = pulumi.output(new Promise<string>((r) => (resolve = r)));
    new DemoWorkspace(
      "demo",
      args({ bindHookContract: () => ({ ...CONTRACT, jwtRoles: { plan: late, apply: "tfc-apply" } }) }),
    );
    await settled();
    assert.equal(
      recorder.ofType(T.variable).some((v) => v.inputs.key === "TFC_VAULT_PLAN_ROLE"),
      false,
    );
    resolve("tfc-plan-late");
    await settled();
    assert.equal(variables()["env:TFC_VAULT_PLAN_ROLE"].value, "tfc-plan-late");
  });
});
