/**
 * The hook variables of onboarded entries in HCP Terraform variable sets, the whole program under
 * mocks: one shared set reaches exactly the onboarded workspaces and projects, a project entry's
 * own set reaches its project only, the two never carry the same key, workspace variables hold
 * only what differs per workspace, and offboarding removes an entry's attachments before its roles.
 */
import { strict as assert } from "node:assert";
import { isSecretInput, plain, recorder, settled } from "../support/pulumi-mocks";
import { T as AGENT, WORKSPACE_ID, useAgentMocks } from "../agent/fixtures";
import {
  ANALYTICS,
  BILLING,
  DATA,
  ENTRIES,
  NETWORK,
  T,
  buildWith,
  dependenciesByName,
  forgetRegistrations,
  inputsByName,
  registeredUrns,
} from "./onboarding-fixtures";

const SHARED_KEYS = [
  "TFC_VAULT_ADDR",
  "TFC_VAULT_AUTH_PATH",
  "TFC_VAULT_BACKED_AWS_MOUNT_PATH",
  "TFC_WORKLOAD_IDENTITY_AUDIENCE",
];
const OWN_KEYS = [
  "TFC_VAULT_APPLY_ROLE",
  "TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_AUTH_TYPE",
  "TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE",
  "TFC_VAULT_PLAN_ROLE",
];

type Props = Record<string, unknown>;
const inputs = (type: string): { name: string; props: Props; raw: Props }[] =>
  recorder.ofType(type).map((r) => ({ name: r.name, props: plain(r.inputs) as Props, raw: r.inputs }));

/** The recorded variable sets' ids (the mocks' `<name>-id`) by Pulumi name. */
function setIds(): Map<string, string> {
  return new Map(recorder.ofType(T.varset).map((r) => [r.name, r.id]));
}

function setVariables(setId: string): Record<string, string> {
  return Object.fromEntries(
    inputs(T.varsetVariable)
      .filter((v) => v.props.variableSetId === setId)
      .map((v) => [String(v.props.key), String(v.props.value)]),
  );
}

function attachmentsOf(setId: string): string[] {
  return inputs(T.varsetAttachment)
    .filter((a) => a.props.variableSetId === setId)
    .map((a) => String(a.props.workspaceId ?? a.props.projectId))
    .sort();
}

describe("onboarding: the hook variables in variable sets", () => {
  useAgentMocks();

  it("creates one shared set, attached to exactly the onboarded workspaces and the project (not the demo)", async () => {
    buildWith(ENTRIES);
    await settled();
    const ids = setIds();
    assert.deepEqual([...ids.keys()].sort(), ["onboard-prj-Analytics4-vars", "onboarding-shared-vars"]);
    const shared = ids.get("onboarding-shared-vars")!;
    assert.deepEqual(attachmentsOf(shared), [NETWORK.id, DATA.id, BILLING.id, ANALYTICS.projectId].sort());
    assert.ok(!attachmentsOf(shared).includes(WORKSPACE_ID), "the demo keeps its own variables");
    const set = inputs(T.varset).find((s) => s.name === "onboarding-shared-vars")!.props;
    assert.equal(set.organization, "acme");
    assert.equal(set.global, false, "a global set would reach workspaces nobody onboarded");
    assert.equal(set.priority, false, "a priority set would override the entries' own variables");
    const vars = setVariables(shared);
    assert.deepEqual(Object.keys(vars).sort(), SHARED_KEYS);
    assert.equal(vars.TFC_VAULT_AUTH_PATH, "jwt-tfc");
    assert.equal(vars.TFC_VAULT_BACKED_AWS_MOUNT_PATH, "aws");
    assert.equal(vars.TFC_WORKLOAD_IDENTITY_AUDIENCE, "vault.workload.identity");
  });

  it("gives the project entry its own set with its one pair of roles, attached to its project only", async () => {
    buildWith(ENTRIES);
    await settled();
    const own = setIds().get("onboard-prj-Analytics4-vars")!;
    assert.deepEqual(attachmentsOf(own), [ANALYTICS.projectId]);
    const set = inputs(T.varset).find((s) => s.name === "onboard-prj-Analytics4-vars")!.props;
    assert.match(String(set.name), /-hooks-prj-Analytics4$/);
    assert.equal(set.priority, false);
    const vars = setVariables(own);
    assert.deepEqual(Object.keys(vars).sort(), OWN_KEYS);
    assert.equal(vars.TFC_VAULT_PLAN_ROLE, "tfc-project-analytics-plan");
    assert.equal(vars.TFC_VAULT_APPLY_ROLE, "tfc-project-analytics-apply");
    assert.equal(vars.TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE, "tfc-project-analytics-apply");
    // The project's set and the shared set on one project: no key in both, so no precedence decides.
    const shared = setVariables(setIds().get("onboarding-shared-vars")!);
    assert.deepEqual(
      Object.keys(vars).filter((k) => k in shared),
      [],
    );
  });

  it("writes each onboarded workspace only what differs per workspace, naming only its own roles", async () => {
    buildWith(ENTRIES);
    await settled();
    const varsOf = (id: string) =>
      Object.fromEntries(
        inputs(AGENT.variable)
          .filter((v) => v.props.workspaceId === id)
          .map((v) => [String(v.props.key), String(v.props.value)]),
      );
    for (const entry of [NETWORK, DATA]) {
      const vars = varsOf(entry.id);
      assert.deepEqual(Object.keys(vars).sort(), OWN_KEYS, entry.name);
      for (const [key, value] of Object.entries(vars)) {
        if (key !== "TFC_VAULT_BACKED_AWS_AUTH_TYPE")
          assert.match(value, new RegExp(`^tfc-${entry.name}-`), key);
      }
    }
    assert.deepEqual(
      Object.keys(varsOf(BILLING.id)).sort(),
      [...OWN_KEYS, "TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN", "TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN"].sort(),
    );
    // The demo workspace keeps every hook variable as a workspace variable (no delete + create).
    assert.deepEqual(
      SHARED_KEYS.filter((k) => !(k in varsOf(WORKSPACE_ID))),
      [],
    );
  });

  it("passes every variable-set value as a secret, like workspace variable values", async () => {
    buildWith(ENTRIES);
    await settled();
    const vars = inputs(T.varsetVariable);
    assert.ok(vars.length > 0);
    for (const v of vars) assert.ok(isSecretInput(v.raw.value), `${v.name}: value is not secret`);
  });

  it("registers no variable set for a stack without onboarded entries", async () => {
    buildWith([]);
    await settled();
    assert.deepEqual(recorder.ofType(T.varset), []);
    assert.deepEqual(recorder.ofType(T.varsetAttachment), []);
  });

  it("makes every attachment depend on its set's variables and on the entry's JWT roles (deleted before them)", async () => {
    const deps = dependenciesByName();
    await settled();
    forgetRegistrations();
    buildWith(ENTRIES);
    await settled();
    const attachments = recorder.ofType(T.varsetAttachment);
    assert.equal(attachments.length, 5);
    for (const a of attachments) {
      const stem = a.name.replace(/-(shared-vars|vars-attachment)$/, "");
      const on = deps.get(`${T.varsetAttachment}::${a.name}`) ?? [];
      for (const phase of ["plan", "apply"]) {
        assert.ok(
          on.some((u) => u.endsWith(`::${stem}-${phase}-jwt-role`)),
          `${a.name} does not depend on ${stem}-${phase}-jwt-role: ${on.join(", ")}`,
        );
      }
      const setName = a.name.endsWith("-shared-vars") ? "onboarding-shared-vars" : `${stem}-vars`;
      const variables = recorder.ofType(T.varsetVariable).filter((v) => v.name.startsWith(`${setName}-`));
      assert.ok(variables.length >= 4, a.name);
      for (const v of variables) {
        assert.ok(
          on.some((u) => u.endsWith(`::${v.name}`)),
          `${a.name} does not wait for ${v.name}`,
        );
      }
    }
  });

  it("offboarding the project removes only its set, its variables, its attachments and its roles", async () => {
    await settled();
    forgetRegistrations();
    buildWith(ENTRIES);
    await settled();
    const before = registeredUrns();
    const beforeInputs = inputsByName();
    forgetRegistrations();
    buildWith(ENTRIES.filter((e) => e !== ANALYTICS));
    await settled();
    const after = registeredUrns();
    const removed = before.filter((u) => !after.includes(u));
    assert.deepEqual(
      after.filter((u) => !before.includes(u)),
      [],
    );
    for (const urn of removed) assert.match(urn, /::onboard-prj-Analytics4(-|$)/, urn);
    // Its component, 2 engine roles, 2 policies, 2 JWT roles, its set and 5 variables, 2 attachments.
    assert.equal(removed.length, 1 + 2 + 2 + 2 + 1 + 5 + 2);
    const changed = [...inputsByName()].filter(([k, v]) => beforeInputs.get(k) !== v).map(([k]) => k);
    assert.deepEqual(changed, [], "the shared set and every other entry stay as they are");
  });
});
