import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretInput, outputIsSecret, plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { readStackConfig } from "../../config";
import { createStack, egressPorts, type StackOutputs } from "../../stack";
import {
  AGENT_TOKEN,
  DIGEST,
  ECR_PASSWORD,
  ECR_URL,
  T,
  WORKSPACE_ID,
  resourcesLeaking,
  useAgentMocks,
} from "../agent/fixtures";
import { ROOT, SECRETS, devSource } from "./dev-stack";

const V = {
  backend: "vault:aws/secretBackend:SecretBackend",
  awsRole: "vault:aws/secretBackendRole:SecretBackendRole",
  policy: "vault:index/policy:Policy",
  jwtBackend: "vault:jwt/authBackend:AuthBackend",
  jwtRole: "vault:jwt/authBackendRole:AuthBackendRole",
} as const;

function build(
  overrides: Parameters<typeof devSource>[0] = {},
  secrets?: Record<string, string>,
): StackOutputs {
  return createStack(readStackConfig(devSource(overrides, secrets)), { contextDir: ROOT });
}

function countByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of recorder.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** The workspace variables as key -> plain value. */
function workspaceVars(): Record<string, unknown> {
  return Object.fromEntries(
    recorder.ofType(T.variable).map((v) => [String(v.inputs.key), plain(v.inputs.value)]),
  );
}

describe("the whole program for the dev stack", () => {
  useAgentMocks();

  it("builds the full system from Pulumi.dev.yaml plus its secrets: the resource graph by type and count", async () => {
    build();
    await settled();
    assert.deepEqual(countByType(), {
      "tfc-jit-aws:vault:VaultAwsEngine": 1,
      "tfc-jit-aws:vault:TfcJwtTrust": 1,
      "tfc-jit-aws:agent:AgentImage": 1,
      "tfc-jit-aws:agent:AgentPool": 1,
      "tfc-jit-aws:agent:EcsAgents": 1,
      "tfc-jit-aws:tfc:DemoWorkspace": 1,
      [V.backend]: 1,
      [V.awsRole]: 2,
      [V.policy]: 2,
      [V.jwtBackend]: 1,
      [V.jwtRole]: 2,
      [T.ecrRepo]: 1,
      [T.image]: 1,
      [T.pool]: 1,
      [T.token]: 1,
      [T.workspace]: 1,
      [T.poolAccess]: 1,
      [T.execution]: 1,
      [T.variable]: 11,
      [T.ssmParam]: 1,
      [T.role]: 2,
      [T.rolePolicy]: 1,
      [T.logGroup]: 1,
      [T.cluster]: 1,
      [T.taskDef]: 1,
      [T.service]: 1,
      [T.vpc]: 1,
      [T.igw]: 1,
      [T.routeTable]: 1,
      [T.subnet]: 2,
      [T.rtAssoc]: 2,
      [T.securityGroup]: 1,
    });
  });

  it("writes workspace variables that name exactly the Vault mounts and roles that exist", async () => {
    build();
    await settled();
    const vars = workspaceVars();
    const backend = plain(recorder.one(V.backend).inputs) as Record<string, unknown>;
    const jwtBackend = plain(recorder.one(V.jwtBackend).inputs) as Record<string, unknown>;
    const awsRoles = Object.fromEntries(
      recorder
        .ofType(V.awsRole)
        .map((r) => [
          r.name.includes("-plan-") ? "plan" : "apply",
          plain(r.inputs) as Record<string, unknown>,
        ]),
    );
    const jwtRoles = Object.fromEntries(
      recorder
        .ofType(V.jwtRole)
        .map((r) => [
          r.name.includes("-plan-") ? "plan" : "apply",
          plain(r.inputs) as Record<string, unknown>,
        ]),
    );

    assert.equal(vars.TFC_VAULT_BACKED_AWS_MOUNT_PATH, backend.path);
    assert.equal(vars.TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE, awsRoles.plan.name);
    assert.equal(vars.TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE, awsRoles.apply.name);
    assert.equal(vars.TFC_VAULT_BACKED_AWS_AUTH_TYPE, awsRoles.plan.credentialType);
    assert.equal(vars.TFC_VAULT_AUTH_PATH, jwtBackend.path);
    assert.equal(vars.TFC_VAULT_PLAN_ROLE, jwtRoles.plan.roleName);
    assert.equal(vars.TFC_VAULT_APPLY_ROLE, jwtRoles.apply.roleName);
    assert.deepEqual(jwtRoles.plan.boundAudiences, [vars.TFC_WORKLOAD_IDENTITY_AUDIENCE]);
    assert.equal(vars.TFC_VAULT_ADDR, "https://vault.example.com:8200");
    assert.equal(vars.prefix, "acme-dev");
    assert.equal(vars.region, "us-east-1");
    // The names themselves, so a rename on both sides still shows up here.
    assert.deepEqual(
      [
        vars.TFC_VAULT_AUTH_PATH,
        vars.TFC_VAULT_PLAN_ROLE,
        vars.TFC_VAULT_APPLY_ROLE,
        vars.TFC_VAULT_BACKED_AWS_MOUNT_PATH,
      ],
      ["jwt-tfc", "tfc-plan", "tfc-apply", "aws"],
    );
  });

  it("binds each JWT role to the created workspace's id and name, and gives it that phase's Vault policy", async () => {
    build();
    await settled();
    const policies = Object.fromEntries(
      recorder
        .ofType(V.policy)
        .map((p) => [p.name.includes("-plan-") ? "plan" : "apply", plain(p.inputs.name)]),
    );
    for (const role of recorder.ofType(V.jwtRole)) {
      const phase = role.name.includes("-plan-") ? "plan" : "apply";
      const inputs = plain(role.inputs) as { boundClaims: Record<string, string>; tokenPolicies: string[] };
      assert.equal(inputs.boundClaims.terraform_workspace_id, WORKSPACE_ID, role.name);
      assert.equal(
        inputs.boundClaims.sub,
        `organization:acme:project:Default Project:workspace:hashicat-dev:run_phase:${phase}`,
      );
      assert.deepEqual(inputs.tokenPolicies, [policies[phase]]);
    }
    const ws = plain(recorder.one(T.workspace).inputs) as Record<string, unknown>;
    assert.equal(ws.name, "hashicat-dev");
    assert.equal(ws.executionMode, undefined, "the workspace is created in remote mode");
    assert.deepEqual(ws.vcsRepo, { identifier: "acme/hashicat-aws", oauthTokenId: "ot-ExampleToken1" });
    for (const v of recorder.ofType(T.variable)) assert.equal(v.inputs.workspaceId, WORKSPACE_ID);
  });

  it("restricts the pool to the demo workspace: pool -> workspace -> allow-list -> agent mode -> trust -> variables", async () => {
    build();
    await settled();
    const pool = recorder.one(T.pool);
    assert.equal(pool.inputs.organizationScoped, false);
    const access = plain(recorder.one(T.poolAccess).inputs) as Record<string, unknown>;
    assert.equal(access.agentPoolId, pool.id);
    assert.deepEqual(access.workspaceIds, [WORKSPACE_ID]);
    const execution = plain(recorder.one(T.execution).inputs) as Record<string, unknown>;
    assert.equal(execution.workspaceId, WORKSPACE_ID);
    assert.equal(execution.executionMode, "agent");
    assert.equal(execution.agentPoolId, pool.id);
    // Registration order follows the dependencies (each waits for the outputs it uses).
    const types = recorder.resources.map((r) => r.type);
    const first = (type: string) => types.indexOf(type);
    const order = [T.pool, T.workspace, T.poolAccess, T.execution, V.jwtRole].map(first);
    assert.ok(!order.includes(-1), types.join(", "));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      types.join(", "),
    );
    const variables = recorder.resources.flatMap((r, i) => (r.type === T.variable ? [{ r, i }] : []));
    for (const { r, i } of variables) assert.ok(i > first(T.execution), `${r.name} before agent mode`);
    const roleVar = variables.find(({ r }) => r.inputs.key === "TFC_VAULT_PLAN_ROLE")!;
    assert.ok(roleVar.i > first(V.jwtRole), "the role variable was written before the JWT role");
  });

  it("opens the pool to the organization only with agentPoolOrganizationScoped: true", async () => {
    build({ agentPoolOrganizationScoped: true });
    await settled();
    assert.equal(recorder.one(T.pool).inputs.organizationScoped, true);
    // The allow-list stays: narrowing the pool later does not cut the demo workspace off.
    assert.equal(recorder.ofType(T.poolAccess).length, 1);
  });

  it("runs the ECS agents from the pushed image's digest, with a task role that has no policies", async () => {
    const out = build();
    await settled();
    const pushed = `${ECR_URL}@${DIGEST}`;
    assert.equal(await valueOf(out.agentImage), pushed);
    const [container] = JSON.parse(String(plain(recorder.one(T.taskDef).inputs.containerDefinitions))) as {
      image: string;
    }[];
    assert.equal(container.image, pushed);
    const taskRole = recorder.one(T.role, "agents-ecs-task");
    assert.ok(
      [...recorder.ofType(T.rolePolicy), ...recorder.ofType(T.attachment)].every(
        (p) => p.inputs.role !== taskRole.id,
      ),
    );
    assert.equal(taskRole.inputs.inlinePolicies, undefined);
    assert.equal(taskRole.inputs.managedPolicyArns, undefined);
    // Agents may reach HTTPS and Vault's port, nothing else, and accept nothing.
    const sg = plain(recorder.one(T.securityGroup).inputs) as {
      ingress: unknown[];
      egress: { fromPort: number }[];
    };
    assert.deepEqual(sg.ingress, []);
    assert.deepEqual(
      sg.egress.map((e) => e.fromPort),
      [443, 8200],
    );
  });

  it("keeps the agent token, the root keys and the ECR password secret, everywhere", async () => {
    build();
    await settled();
    const backend = recorder.one(V.backend);
    assert.ok(isSecretInput(backend.inputs.accessKey));
    assert.ok(isSecretInput(backend.inputs.secretKey));
    assert.ok(isSecretInput(recorder.one(T.ssmParam).inputs.value));
    assert.ok(isSecretInput(recorder.one(T.image).inputs.registry));
    for (const secret of [AGENT_TOKEN, SECRETS.awsRootAccessKey, SECRETS.awsRootSecretKey, ECR_PASSWORD]) {
      assert.deepEqual(resourcesLeaking(secret), [], `${secret.slice(0, 6)}... in plain text`);
    }
  });

  it("exports what an operator needs, none of it secret and none of it a secret value", async () => {
    const out = build();
    await settled();
    const flat: [string, pulumi.Output<string>][] = [
      ["vaultAwsMountPath", out.vaultAwsMountPath],
      ["vaultAwsRoles.plan", out.vaultAwsRoles.plan],
      ["vaultAwsRoles.apply", out.vaultAwsRoles.apply],
      ["vaultPolicies.plan", out.vaultPolicies.plan],
      ["vaultPolicies.apply", out.vaultPolicies.apply],
      ["vaultJwtAuthPath", out.vaultJwtAuthPath],
      ["vaultJwtRoles.plan", out.vaultJwtRoles.plan],
      ["vaultJwtRoles.apply", out.vaultJwtRoles.apply],
      ["agentPoolId", out.agentPoolId],
      ["agentImage", out.agentImage],
      ["workspaceId", out.workspaceId],
      ["workspaceUrl", out.workspaceUrl],
    ];
    const values: Record<string, string> = {};
    for (const [key, output] of flat) {
      assert.equal(await outputIsSecret(output), false, key);
      values[key] = await valueOf(output);
    }
    assert.equal(values.workspaceId, WORKSPACE_ID);
    assert.equal(values.workspaceUrl, "https://app.terraform.io/app/acme/workspaces/network-prod");
    assert.equal(values.agentPoolId, recorder.one(T.pool).id);
    assert.deepEqual(
      [values["vaultJwtRoles.plan"], values["vaultAwsRoles.apply"]],
      ["tfc-plan", "tfc-apply"],
    );
    const text = JSON.stringify(values);
    for (const secret of [AGENT_TOKEN, ...Object.values(SECRETS), ECR_PASSWORD])
      assert.ok(!text.includes(secret));
  });

  it("runs the agents as Docker containers instead when agentRuntime is docker", async () => {
    build({ agentRuntime: "docker", agentCount: 3, dockerHost: "ssh://ops@build-host" });
    await settled();
    for (const t of [T.cluster, T.service, T.taskDef, T.vpc, T.ssmParam])
      assert.equal(recorder.ofType(t).length, 0, t);
    assert.equal(recorder.ofType(T.container).length, 3);
    assert.equal(recorder.one(T.dockerProvider).inputs.host, "ssh://ops@build-host");
    assert.equal(recorder.one(T.remoteImage).inputs.name, `${ECR_URL}@${DIGEST}`);
    for (const c of recorder.ofType(T.container)) assert.ok(isSecretInput(c.inputs.envs));
    assert.deepEqual(resourcesLeaking(AGENT_TOKEN), []);
  });

  it("pushes to an external registry with its password secret, and ECS pulls with it from Secrets Manager", async () => {
    build(
      {
        imageRegistryServer: "ghcr.io",
        imageRepository: "ghcr.io/acme/tfc-agent",
        imageRegistryUsername: "acme-bot",
      },
      { ...SECRETS, imageRegistryPassword: "ghcr-password-never-in-plaintext" },
    );
    await settled();
    assert.equal(recorder.ofType(T.ecrRepo).length, 0);
    assert.ok(isSecretInput(recorder.one(T.image).inputs.registry));
    assert.ok(isSecretInput(recorder.one(T.smVersion).inputs.secretString));
    assert.deepEqual(resourcesLeaking("ghcr-password-never-in-plaintext"), []);
  });

  it("uses a pre-built image by digest with no Docker build at all", async () => {
    const ref = `ghcr.io/acme/tfc-agent@${DIGEST}`;
    const out = build({ agentImage: ref });
    await settled();
    assert.equal(recorder.ofType(T.image).length + recorder.ofType(T.ecrRepo).length, 0);
    assert.equal(await valueOf(out.agentImage), ref);
  });
});

describe("agent egress ports", () => {
  it("opens HTTPS and Vault's own port, once each", () => {
    assert.deepEqual(egressPorts("https://vault.example.com:8200"), [443, 8200]);
    assert.deepEqual(egressPorts("https://vault.example.com"), [443]);
    assert.deepEqual(egressPorts("https://vault.example.com:443"), [443]);
    assert.deepEqual(egressPorts("http://127.0.0.1:8200"), [443, 8200]);
    assert.deepEqual(egressPorts("http://vault.internal"), [443, 80]);
  });
});
