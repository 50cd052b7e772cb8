/**
 * The whole program under mocks with entries that list tagged AWS configurations
 * (`workspaces[i].awsConfigurations`): each tag gets its own engine roles and phase policies on
 * the shared mount, the entry's JWT role of a phase lists that phase's policies only, and the
 * tagged hook variables reach HCP Terraform (the API double) for a workspace entry and in a
 * project entry's own variable set.
 */
import { strict as assert } from "node:assert";
import { plain, recorder, settled } from "../support/pulumi-mocks";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";
import { configured } from "../providers/tfc-fixtures";
import { variableProvider, type VariableInputs } from "../../providers/tfc/variable";
import {
  variableSetVariableProvider,
  type VariableSetVariableInputs,
} from "../../providers/tfc/variable-set-variable";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { T as AGENT, useAgentMocks } from "../agent/fixtures";
import { ROOT, devSource } from "./dev-stack";
import {
  ACCOUNT,
  HUB,
  LOG_ACCOUNT,
  NETWORK,
  T,
  TAGGED_PROJECT,
  buildWith,
  forgetRegistrations,
  inputsByName,
  registeredUrns,
} from "./onboarding-fixtures";

type Inputs = Record<string, unknown>;
const inputs = (type: string) => recorder.ofType(type).map((r) => plain(r.inputs) as Inputs);

/** The workspace variables the program writes to `workspaceId`, key -> value. */
function workspaceVars(workspaceId: string): Record<string, string> {
  return Object.fromEntries(
    inputs(AGENT.variable)
      .filter((v) => v.workspaceId === workspaceId)
      .map((v) => [String(v.key), String(v.value)]),
  );
}

/** The hub's tagged variables, exactly: nothing else carries a tag suffix. */
const HUB_TAGGED = {
  TFC_VAULT_BACKED_AWS_AUTH_LOGS: "false",
  TFC_VAULT_BACKED_AWS_AUTH_TYPE_LOGS: "assumed_role",
  TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_LOGS: "tfc-hub-network.logs-plan",
  TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_LOGS: "tfc-hub-network.logs-apply",
  TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN_LOGS: `arn:aws:iam::${LOG_ACCOUNT}:role/log-read`,
  TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN_LOGS: `arn:aws:iam::${LOG_ACCOUNT}:role/log-write`,
  TFC_VAULT_BACKED_AWS_AUTH_NETWORK: "false",
  TFC_VAULT_BACKED_AWS_AUTH_TYPE_NETWORK: "iam_user",
  TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_NETWORK: "tfc-hub-network.network-plan",
  TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_NETWORK: "tfc-hub-network.network-apply",
};

const isTagged = (key: string) => /_(LOGS|NETWORK)$/.test(key);

describe("onboarding: tagged AWS configurations (awsConfigurations)", () => {
  useAgentMocks();

  it("creates each tag's plan and apply engine roles on the shared mount, from its own permissions", async () => {
    buildWith([HUB, TAGGED_PROJECT]);
    await settled();
    const roles = new Map(inputs(T.awsRole).map((r) => [String(r.name), r]));
    for (const name of [
      "tfc-hub-network.logs-plan",
      "tfc-hub-network.logs-apply",
      "tfc-hub-network.network-plan",
      "tfc-hub-network.network-apply",
      "tfc-project-analytics.logs-plan",
      "tfc-project-analytics.logs-apply",
    ]) {
      assert.ok(roles.has(name), `${name} in ${[...roles.keys()].join(", ")}`);
      assert.equal(roles.get(name)!.backend, "aws", name);
    }
    const logsPlan = roles.get("tfc-hub-network.logs-plan")!;
    assert.equal(logsPlan.credentialType, "assumed_role");
    assert.deepEqual(logsPlan.roleArns, [`arn:aws:iam::${LOG_ACCOUNT}:role/log-read`]);
    // No session policy of its own: the built-in read-only one, as the default plan gets.
    assert.match(String(logsPlan.policyDocument), /ec2:Describe\*/);
    assert.deepEqual(roles.get("tfc-hub-network.logs-apply")!.roleArns, [
      `arn:aws:iam::${LOG_ACCOUNT}:role/log-write`,
    ]);
    const netApply = roles.get("tfc-hub-network.network-apply")!;
    assert.equal(netApply.credentialType, "iam_user");
    assert.deepEqual(netApply.policyArns, [`arn:aws:iam::${ACCOUNT}:policy/network-admin`]);
    assert.equal(netApply.policyDocument, undefined, "no inherited apply policy");
    // The default configuration's roles are unchanged beside them.
    assert.deepEqual(roles.get("tfc-hub-network-apply")!.policyArns, HUB.apply.policyArns);
  });

  it("adds no JWT role for a tag: the entry's phase role lists its own policy and the same phase's tag policies, nothing of the other phase", async () => {
    buildWith([HUB, TAGGED_PROJECT]);
    await settled();
    const jwt = new Map(inputs(T.jwtRole).map((r) => [String(r.roleName), r.tokenPolicies as string[]]));
    assert.deepEqual([...jwt.keys()].sort(), [
      "tfc-apply",
      "tfc-hub-network-apply",
      "tfc-hub-network-plan",
      "tfc-plan",
      "tfc-project-analytics-apply",
      "tfc-project-analytics-plan",
    ]);
    assert.deepEqual(jwt.get("tfc-hub-network-plan"), [
      "aws-tfc-hub-network-plan-creds",
      "aws-tfc-hub-network.logs-plan-creds",
      "aws-tfc-hub-network.network-plan-creds",
    ]);
    assert.deepEqual(jwt.get("tfc-hub-network-apply"), [
      "aws-tfc-hub-network-apply-creds",
      "aws-tfc-hub-network.logs-apply-creds",
      "aws-tfc-hub-network.network-apply-creds",
    ]);
    assert.deepEqual(jwt.get("tfc-project-analytics-plan"), [
      "aws-tfc-project-analytics-plan-creds",
      "aws-tfc-project-analytics.logs-plan-creds",
    ]);
    // Each tag policy names only its own role (the credentials path and the lease prefixes).
    const policies = new Map(inputs(T.policy).map((p) => [String(p.name), String(p.policy)]));
    const text = policies.get("aws-tfc-hub-network.logs-plan-creds")!;
    const named = [...text.matchAll(/aws\/(?:creds|sts)\/([\w.-]+)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(named)], ["tfc-hub-network.logs-plan"]);
    assert.match(text, /path "aws\/sts\/tfc-hub-network\.logs-plan"/);
    assert.match(
      policies.get("aws-tfc-hub-network.network-plan-creds")!,
      /path "aws\/creds\/tfc-hub-network\.network-plan"/,
    );
  });

  it("writes a workspace entry's tagged variables beside its default ones, and the stack output lists them", async () => {
    const out = buildWith([HUB, NETWORK]);
    await settled();
    const hub = workspaceVars(HUB.id);
    assert.deepEqual(Object.fromEntries(Object.entries(hub).filter(([k]) => isTagged(k))), HUB_TAGGED);
    assert.equal(hub.TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE, "tfc-hub-network-plan");
    assert.equal(hub.TFC_VAULT_BACKED_AWS_AUTH, undefined, "the default configuration's flag stays unset");
    // The default mount needs no per-tag mount path; tags share the default Vault configuration.
    assert.ok(!Object.keys(hub).some((k) => k.startsWith("TFC_VAULT_BACKED_AWS_MOUNT_PATH")));
    assert.ok(
      !Object.keys(hub).some(
        (k) => k.includes("VAULT_CONFIG") || k.startsWith("TFC_WORKLOAD_IDENTITY_AUDIENCE"),
      ),
    );
    // An entry without tags gets none.
    assert.deepEqual(Object.keys(workspaceVars(NETWORK.id)).filter(isTagged), []);
    const listed = await new Promise<Record<string, string>>((resolve) =>
      out.onboarded["hub-network"].hookVariables.apply(resolve),
    );
    assert.equal(listed.TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_NETWORK, "tfc-hub-network.network-apply");
  });

  it("names the mount per tag when it is not the hooks' built-in `aws`", async () => {
    createStack(readStackConfig(devSource({ workspaces: [HUB], awsMountPath: "aws-runs" })), {
      contextDir: ROOT,
    });
    await settled();
    const hub = workspaceVars(HUB.id);
    assert.equal(hub.TFC_VAULT_BACKED_AWS_MOUNT_PATH_LOGS, "aws-runs");
    assert.equal(hub.TFC_VAULT_BACKED_AWS_MOUNT_PATH_NETWORK, "aws-runs");
  });

  it("puts a project entry's tagged variables in its own variable set", async () => {
    buildWith([TAGGED_PROJECT]);
    await settled();
    const sets = recorder.ofType(T.varset).map((s) => [s.name, plain(s.inputs) as Inputs] as const);
    const projectSet = sets.find(([, s]) => String(s.name).endsWith("-prj-Analytics4"));
    assert.ok(projectSet, sets.map(([n]) => n).join(", "));
    const keys = recorder
      .ofType(T.varsetVariable)
      .filter((v) => v.name.startsWith(`${projectSet[0]}-`))
      .map((v) => String((plain(v.inputs) as Inputs).key));
    assert.deepEqual(keys.filter(isTagged).sort(), [
      "TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN_LOGS",
      "TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_LOGS",
      "TFC_VAULT_BACKED_AWS_AUTH_LOGS",
      "TFC_VAULT_BACKED_AWS_AUTH_TYPE_LOGS",
      "TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN_LOGS",
      "TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_LOGS",
    ]);
  });

  it("removing one tag removes only its roles, policies and variables; the JWT roles drop its policies in place", async () => {
    await settled();
    forgetRegistrations();
    buildWith([HUB, NETWORK]);
    await settled();
    const before = registeredUrns();
    const beforeInputs = inputsByName();
    forgetRegistrations();
    buildWith([{ ...HUB, awsConfigurations: [HUB.awsConfigurations[1]] }, NETWORK]);
    await settled();
    const after = registeredUrns();
    const afterInputs = inputsByName();
    assert.deepEqual(
      after.filter((u) => !before.includes(u)),
      [],
      "nothing new",
    );
    const removed = before.filter((u) => !after.includes(u));
    // 2 engine roles, 2 policies and the 6 variables of LOGS (assumed_role), nothing else.
    for (const urn of removed)
      assert.match(urn, /::onboard-ws-HubNet5-(LOGS-|(env|terraform)-\w+_LOGS$)/, urn);
    assert.equal(removed.length, 2 + 2 + 6);
    const changed = [...afterInputs].filter(([k, v]) => beforeInputs.get(k) !== v).map(([k]) => k);
    assert.deepEqual(changed.sort(), [
      `${T.jwtRole}::onboard-ws-HubNet5-apply-jwt-role`,
      `${T.jwtRole}::onboard-ws-HubNet5-plan-jwt-role`,
    ]);
  });

  describe("through the HCP Terraform API double", () => {
    let double: TfcApiDouble;
    before(async () => {
      double = await startTfcApiDouble();
    });
    after(() => double.stop());
    beforeEach(() => double.reset());

    it("the workspace's tagged variables are created as env variables, not sensitive, with the documented attributes", async () => {
      buildWith([HUB]);
      await settled();
      const ws = double.seed("workspaces", "acme", { name: HUB.name }).id;
      const provider = await configured(variableProvider, double);
      const written = inputs(AGENT.variable).filter((v) => v.workspaceId === HUB.id);
      for (const v of written) {
        const { inputs: checked, failures } = await provider.check({} as VariableInputs, {
          ...(v as unknown as VariableInputs),
          workspaceId: ws,
        });
        assert.deepEqual(failures, [], String(v.key));
        await provider.create(checked!);
      }
      const posted = double
        .requests("POST", `/api/v2/workspaces/${ws}/vars`)
        .map((r) => (r.body as { data: { attributes: Record<string, unknown> } }).data.attributes);
      const tagged = posted.filter((a) => isTagged(String(a.key)));
      assert.deepEqual(Object.fromEntries(tagged.map((a) => [a.key, a.value])), HUB_TAGGED);
      for (const a of tagged) {
        assert.equal(a.category, "env", String(a.key));
        assert.equal(a.sensitive, false, String(a.key));
      }
    });

    it("the project's tagged variables are created in its variable set", async () => {
      buildWith([TAGGED_PROJECT]);
      await settled();
      const set = double.seed("varsets", "acme", { name: "pool-hooks-prj-Analytics4" }).id;
      const provider = await configured(variableSetVariableProvider, double);
      const written = inputs(T.varsetVariable).filter((v) => isTagged(String(v.key)));
      assert.equal(written.length, 6);
      for (const v of written) {
        const { inputs: checked, failures } = await provider.check({} as VariableSetVariableInputs, {
          ...(v as unknown as VariableSetVariableInputs),
          variableSetId: set,
        });
        assert.deepEqual(failures, [], String(v.key));
        await provider.create(checked!);
      }
      const posted = double
        .requests("POST", `/api/v2/varsets/${set}/relationships/vars`)
        .map((r) => (r.body as { data: { attributes: Record<string, unknown> } }).data.attributes);
      assert.equal(posted.length, 6);
      assert.ok(posted.some((a) => a.key === "TFC_VAULT_BACKED_AWS_AUTH_LOGS" && a.value === "false"));
    });
  });
});
