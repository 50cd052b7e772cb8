/**
 * The whole program under mocks with the demo workspace, three onboarded workspaces and one
 * project: who may log in to which JWT role (a trust matrix across workspaces, judged by the
 * shared Vault binding evaluator on tokens with HCP Terraform's claim set), what each entry's
 * credentials may do, and what removing an entry changes.
 */
import { strict as assert } from "node:assert";
import { plain, recorder, settled } from "../support/pulumi-mocks";
import { bindingError, type RoleBindings } from "../support/bound-claims";
import { TokenIssuer, type RunIdentity } from "../support/token-issuer";
import { bindingsOf } from "../vault/recorded-bindings";
import { T as AGENT, WORKSPACE_ID, useAgentMocks } from "../agent/fixtures";
import {
  ACCOUNT,
  ANALYTICS,
  BILLING,
  DATA,
  ENTRIES,
  NETWORK,
  T,
  buildWith,
  forgetRegistrations,
  inputsByName,
  registeredUrns,
} from "./onboarding-fixtures";

const AUDIENCE = "vault.workload.identity";
const PHASES = ["plan", "apply"] as const;

/** The run identities tokens are issued for, and the role prefix that alone may accept each. */
const RUNS: { label: string; run: Omit<RunIdentity, "phase">; roles: string | null }[] = [
  {
    label: "the demo workspace",
    run: {
      organization: "acme",
      project: "Default Project",
      workspace: "hashicat-dev",
      workspaceId: WORKSPACE_ID,
      audience: AUDIENCE,
      projectId: "prj-Default0",
    },
    roles: "tfc",
  },
  {
    label: "network-prod",
    run: {
      organization: "acme",
      project: NETWORK.project,
      workspace: NETWORK.name,
      workspaceId: NETWORK.id,
      projectId: NETWORK.projectId,
      audience: AUDIENCE,
    },
    roles: "tfc-network-prod",
  },
  {
    label: "data-etl",
    run: {
      organization: "acme",
      project: DATA.project,
      workspace: DATA.name,
      workspaceId: DATA.id,
      projectId: "prj-Data2",
      audience: AUDIENCE,
    },
    roles: "tfc-data-etl",
  },
  {
    label: "billing (in the default project)",
    run: {
      organization: "acme",
      project: "Default Project",
      workspace: BILLING.name,
      workspaceId: BILLING.id,
      projectId: "prj-Default0",
      audience: AUDIENCE,
    },
    roles: "tfc-billing",
  },
  {
    label: "a workspace of the Analytics project",
    run: {
      organization: "acme",
      project: ANALYTICS.project,
      workspace: "reports",
      workspaceId: "ws-Reports5",
      projectId: ANALYTICS.projectId,
      audience: AUDIENCE,
    },
    roles: "tfc-project-analytics",
  },
  {
    label: "another workspace of the Analytics project",
    run: {
      organization: "acme",
      project: ANALYTICS.project,
      workspace: "ml-training",
      workspaceId: "ws-Ml6",
      projectId: ANALYTICS.projectId,
      audience: AUDIENCE,
    },
    roles: "tfc-project-analytics",
  },
  {
    label: "a workspace named like an onboarded one, in the Analytics project",
    run: {
      organization: "acme",
      project: ANALYTICS.project,
      workspace: NETWORK.name,
      workspaceId: "ws-Imposter7",
      projectId: ANALYTICS.projectId,
      audience: AUDIENCE,
    },
    roles: "tfc-project-analytics",
  },
  {
    label: "network-prod re-created (same names, new id)",
    run: {
      organization: "acme",
      project: NETWORK.project,
      workspace: NETWORK.name,
      workspaceId: "ws-Recreated8",
      projectId: NETWORK.projectId,
      audience: AUDIENCE,
    },
    roles: null,
  },
  {
    label: "an Analytics project re-created (same name, new id)",
    run: {
      organization: "acme",
      project: ANALYTICS.project,
      workspace: "reports",
      workspaceId: "ws-Reports5",
      projectId: "prj-Other9",
      audience: AUDIENCE,
    },
    roles: null,
  },
  {
    label: "a workspace of a project nobody onboarded",
    run: {
      organization: "acme",
      project: "Sandbox",
      workspace: "scratch",
      workspaceId: "ws-Scratch9",
      projectId: "prj-Sandbox9",
      audience: AUDIENCE,
    },
    roles: null,
  },
  {
    label: "network-prod's id under another organization",
    run: {
      organization: "evil",
      project: NETWORK.project,
      workspace: NETWORK.name,
      workspaceId: NETWORK.id,
      projectId: NETWORK.projectId,
      audience: AUDIENCE,
    },
    roles: null,
  },
  {
    label: "network-prod with another audience",
    run: {
      organization: "acme",
      project: NETWORK.project,
      workspace: NETWORK.name,
      workspaceId: NETWORK.id,
      projectId: NETWORK.projectId,
      audience: "sts.amazonaws.com",
    },
    roles: null,
  },
];

/** Every recorded JWT role's bindings, by its Vault role name. */
function jwtRoles(): Map<string, RoleBindings> {
  return new Map(recorder.ofType(T.jwtRole).map((r) => [String(plain(r.inputs.roleName)), bindingsOf(r)]));
}

describe("onboarding several workspaces and a project: the whole program", () => {
  useAgentMocks();
  let issuer: TokenIssuer;
  before(async () => {
    issuer = await TokenIssuer.start();
  });
  after(async () => {
    await issuer.stop();
  });

  it("gives each entry its own pair of JWT roles on the one shared JWT mount, and one shared engine mount", async () => {
    buildWith(ENTRIES);
    await settled();
    assert.equal(recorder.ofType("vault:jwt/authBackend:AuthBackend").length, 1);
    assert.equal(recorder.ofType("vault:aws/secretBackend:SecretBackend").length, 1);
    assert.equal(recorder.ofType(T.onboarded).length, 4);
    assert.deepEqual([...jwtRoles().keys()].sort(), [
      "tfc-apply",
      "tfc-billing-apply",
      "tfc-billing-plan",
      "tfc-data-etl-apply",
      "tfc-data-etl-plan",
      "tfc-network-prod-apply",
      "tfc-network-prod-plan",
      "tfc-plan",
      "tfc-project-analytics-apply",
      "tfc-project-analytics-plan",
    ]);
    for (const r of recorder.ofType(T.jwtRole)) assert.equal(plain(r.inputs.backend), "jwt-tfc", r.name);
  });

  describe("trust matrix: every token against every role", () => {
    let roles: Map<string, RoleBindings>;
    before(async () => {
      recorder.reset();
      buildWith(ENTRIES);
      await settled();
      roles = jwtRoles();
      assert.equal(roles.size, 10);
    });

    for (const { label, run, roles: owner } of RUNS) {
      for (const phase of PHASES) {
        const expected = owner === null ? "no role" : `only ${owner}-${phase}`;
        it(`${label}, ${phase}: ${expected} accepts it`, () => {
          const claims = issuer.claimsFor({ ...run, phase });
          const accepting = [...roles]
            .filter(([, bindings]) => bindingError(bindings, claims) === null)
            .map(([name]) => name);
          assert.deepEqual(accepting, owner === null ? [] : [`${owner}-${phase}`]);
        });
      }
    }
  });

  it("binds each workspace entry's roles to its id and literal phase, and a project entry's to the project id", async () => {
    buildWith(ENTRIES);
    await settled();
    const claims = (name: string) =>
      plain(recorder.ofType(T.jwtRole).find((r) => plain(r.inputs.roleName) === name)!.inputs.boundClaims);
    assert.deepEqual(claims("tfc-network-prod-plan"), {
      sub: "organization:acme:project:Platform Team:workspace:network-prod:run_phase:plan",
      terraform_workspace_id: NETWORK.id,
      terraform_project_id: NETWORK.projectId,
    });
    assert.deepEqual(claims("tfc-data-etl-apply"), {
      sub: "organization:acme:project:Data Team:workspace:data-etl:run_phase:apply",
      terraform_workspace_id: DATA.id,
    });
    assert.deepEqual(claims("tfc-project-analytics-apply"), {
      sub: "organization:acme:project:Analytics:workspace:*:run_phase:apply",
      terraform_project_id: ANALYTICS.projectId,
    });
  });

  it("gives each entry only its own permissions: its policies name only its own roles, its JWT roles only its policies", async () => {
    buildWith(ENTRIES);
    await settled();
    const awsRoleNames = recorder.ofType(T.awsRole).map((r) => String(plain(r.inputs.name)));
    const policies = new Map(
      recorder.ofType(T.policy).map((p) => [String(plain(p.inputs.name)), String(plain(p.inputs.policy))]),
    );
    for (const r of recorder.ofType(T.jwtRole)) {
      const own = String(plain(r.inputs.roleName));
      const [policyName] = plain(r.inputs.tokenPolicies) as string[];
      assert.equal(policyName, `aws-${own}-creds`, own);
      const text = policies.get(policyName)!;
      // Every credential path the policy grants is this role's.
      const granted = [...text.matchAll(/aws\/(?:creds|sts)\/([\w.-]+)/g)].map((m) => m[1]);
      assert.ok(granted.length > 0, own);
      assert.deepEqual([...new Set(granted)], [own], `${policyName} grants ${granted.join(", ")}`);
      for (const other of awsRoleNames.filter((n) => n !== own)) {
        assert.ok(
          !text.includes(`/${other}/`) && !text.includes(`/${other}"`),
          `${policyName} names ${other}`,
        );
      }
    }
  });

  it("creates each entry's AWS engine roles from its own permissions, read-only by default for plan", async () => {
    buildWith(ENTRIES);
    await settled();
    const role = (name: string) =>
      plain(recorder.ofType(T.awsRole).find((r) => plain(r.inputs.name) === name)!.inputs) as Record<
        string,
        unknown
      >;
    assert.deepEqual(role("tfc-network-prod-apply").policyArns, NETWORK.apply.policyArns);
    assert.equal(role("tfc-network-prod-apply").policyDocument, undefined, "no inherited apply policy");
    assert.match(String(role("tfc-network-prod-plan").policyDocument), /ec2:Describe\*/);
    assert.deepEqual(
      JSON.parse(String(role("tfc-data-etl-apply").policyDocument)),
      DATA.apply.policyDocument,
    );
    assert.equal(role("tfc-billing-plan").credentialType, "assumed_role");
    assert.deepEqual(role("tfc-billing-apply").roleArns, [`arn:aws:iam::${ACCOUNT}:role/billing-write`]);
    assert.deepEqual(role("tfc-project-analytics-apply").policyArns, ANALYTICS.apply.policyArns);
  });

  it("allows the demo and every onboarded workspace on the pool with ONE allow-list, then agent mode for each", async () => {
    buildWith(ENTRIES);
    await settled();
    const access = plain(recorder.one(AGENT.poolAccess).inputs) as {
      workspaceIds: string[];
      agentPoolId: string;
    };
    assert.deepEqual([...access.workspaceIds].sort(), [WORKSPACE_ID, NETWORK.id, DATA.id, BILLING.id].sort());
    const executions = recorder
      .ofType(AGENT.execution)
      .map((e) => plain(e.inputs) as Record<string, unknown>);
    assert.deepEqual(
      executions.map((e) => e.workspaceId).sort(),
      [WORKSPACE_ID, NETWORK.id, DATA.id, BILLING.id].sort(),
    );
    for (const e of executions) {
      assert.equal(e.executionMode, "agent");
      assert.equal(e.agentPoolId, access.agentPoolId);
    }
    const types = recorder.resources.map((r) => r.type);
    assert.ok(types.indexOf(AGENT.poolAccess) < types.indexOf(AGENT.execution), types.join(", "));
  });

  it("writes each workspace the hook variables naming exactly its own roles; the shared ones come from the variable set", async () => {
    const out = buildWith(ENTRIES);
    await settled();
    const varsOf = (id: string) =>
      Object.fromEntries(
        recorder
          .ofType(AGENT.variable)
          .map((v) => plain(v.inputs) as Record<string, string>)
          .filter((v) => v.workspaceId === id)
          .map((v) => [v.key, v.value]),
      );
    const billing = varsOf(BILLING.id);
    assert.deepEqual(
      [
        billing.TFC_VAULT_PLAN_ROLE,
        billing.TFC_VAULT_APPLY_ROLE,
        billing.TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE,
      ],
      ["tfc-billing-plan", "tfc-billing-apply", "tfc-billing-plan"],
    );
    assert.equal(billing.TFC_VAULT_BACKED_AWS_AUTH_TYPE, "assumed_role");
    assert.equal(billing.TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN, `arn:aws:iam::${ACCOUNT}:role/billing-write`);
    const network = varsOf(NETWORK.id);
    assert.equal(network.TFC_VAULT_APPLY_ROLE, "tfc-network-prod-apply");
    assert.equal(network.TFC_VAULT_AUTH_PATH, undefined, "shared: in the variable set");
    assert.equal(network.TFC_WORKLOAD_IDENTITY_AUDIENCE, undefined, "shared: in the variable set");
    assert.equal(network.prefix, undefined, "the demo's Terraform variables stay the demo's");
    // The output still lists everything a project's workspaces get (both sets together).
    const projectVars = await new Promise<Record<string, string>>((resolve) =>
      out.onboarded["project:Analytics"].hookVariables.apply(resolve),
    );
    assert.equal(projectVars.TFC_VAULT_PLAN_ROLE, "tfc-project-analytics-plan");
    assert.equal(projectVars.TFC_VAULT_BACKED_AWS_MOUNT_PATH, "aws");
  });

  it("offboarding: removing one entry changes only that entry's resources, and the allow-list in place", async () => {
    await settled();
    forgetRegistrations();
    buildWith(ENTRIES);
    await settled();
    const before = registeredUrns();
    const beforeInputs = inputsByName();
    forgetRegistrations();
    buildWith(ENTRIES.filter((e) => e !== DATA));
    await settled();
    const after = registeredUrns();
    const afterInputs = inputsByName();

    const removed = before.filter((u) => !after.includes(u));
    assert.deepEqual(
      after.filter((u) => !before.includes(u)),
      [],
      "nothing new",
    );
    assert.ok(removed.length > 0);
    for (const urn of removed) assert.match(urn, /::onboard-ws-DataEtl2(-|$)/, urn);
    // Exactly the entry's own resources: its component, 2 engine roles, 2 policies, 2 JWT roles,
    // agent mode, its own hook variables and its attachment of the shared variable set.
    assert.equal(removed.filter((u) => /:Variable::/.test(u)).length, 5);
    assert.equal(removed.filter((u) => /:VariableSetAttachment::/.test(u)).length, 1);
    assert.equal(removed.length, 1 + 2 + 2 + 2 + 1 + 5 + 1);
    // Every remaining resource has the same inputs, except the pool's allow-list.
    const changed = [...afterInputs].filter(([k, v]) => beforeInputs.get(k) !== v).map(([k]) => k);
    assert.deepEqual(changed, [`${AGENT.poolAccess}::agents-allowed-workspaces`]);
    const ids = (m: Map<string, string>) =>
      (JSON.parse(m.get(`${AGENT.poolAccess}::agents-allowed-workspaces`)!) as { workspaceIds: string[] })
        .workspaceIds;
    assert.deepEqual(
      ids(beforeInputs).filter((id) => !ids(afterInputs).includes(id)),
      [DATA.id],
    );
  });

  it("renaming a workspace keeps its resources (named by id) and changes only names and bindings in place", async () => {
    await settled();
    forgetRegistrations();
    buildWith(ENTRIES);
    await settled();
    const before = registeredUrns();
    forgetRegistrations();
    buildWith(ENTRIES.map((e) => (e === NETWORK ? { ...NETWORK, name: "network-production" } : e)));
    await settled();
    assert.deepEqual(registeredUrns(), before);
    const claims = recorder
      .ofType(T.jwtRole)
      .filter((r) => r.name.startsWith("onboard-ws-NetProd1-"))
      .map((r) => (plain(r.inputs.boundClaims) as Record<string, string>).sub);
    assert.deepEqual(claims.sort(), [
      "organization:acme:project:Platform Team:workspace:network-production:run_phase:apply",
      "organization:acme:project:Platform Team:workspace:network-production:run_phase:plan",
    ]);
  });
});
