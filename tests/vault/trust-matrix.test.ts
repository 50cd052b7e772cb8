/**
 * The trust matrix: token claim sets, right and wrong in every bound dimension, evaluated with
 * the shared Vault binding evaluator against the bindings the TfcJwtTrust roles actually
 * register. Exactly the right token per phase may log in to that phase's role.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorder, settled } from "../support/pulumi-mocks";
import { bindingError, type Claims, type RoleBindings } from "../support/bound-claims";
import { TfcJwtTrust } from "../../components/tfc-jwt-trust";
import { tfcJwtTrustArgs } from "../../components/vault-side-args";
import { bindingsOf } from "./recorded-bindings";
import { vaultSide } from "./fixtures";

const ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const WS_ID = "ws-NetProd42";

interface TokenSpec {
  org: string;
  project: string;
  workspace: string;
  workspaceId: string | undefined;
  phase: string;
  aud: string | string[];
}

const RIGHT: Omit<TokenSpec, "phase"> = {
  org: "acme",
  project: "Platform Team",
  workspace: "network-prod",
  workspaceId: WS_ID,
  aud: "vault.workload.identity",
};

/** Claims as HCP Terraform puts them in a workload identity token. */
function token(t: TokenSpec): Claims {
  const full = `organization:${t.org}:project:${t.project}:workspace:${t.workspace}`;
  return {
    iss: "https://app.terraform.io",
    aud: t.aud,
    sub: `${full}:run_phase:${t.phase}`,
    terraform_organization_name: t.org,
    terraform_project_name: t.project,
    terraform_workspace_name: t.workspace,
    ...(t.workspaceId === undefined ? {} : { terraform_workspace_id: t.workspaceId }),
    terraform_full_workspace: full,
    terraform_run_phase: t.phase,
    terraform_run_id: "run-abc123",
  };
}

/** Each row: a token, and the single phase role that may accept it (or none). */
const MATRIX: { name: string; claims: Claims; acceptedBy: "plan" | "apply" | null }[] = [
  { name: "right workspace, plan phase", claims: token({ ...RIGHT, phase: "plan" }), acceptedBy: "plan" },
  { name: "right workspace, apply phase", claims: token({ ...RIGHT, phase: "apply" }), acceptedBy: "apply" },
  {
    name: "audience list holding ours",
    claims: token({ ...RIGHT, phase: "plan", aud: ["other", RIGHT.aud as string] }),
    acceptedBy: "plan",
  },
  { name: "wrong organization", claims: token({ ...RIGHT, org: "evil", phase: "plan" }), acceptedBy: null },
  {
    name: "organization with our name as prefix",
    claims: token({ ...RIGHT, org: "acme-evil", phase: "plan" }),
    acceptedBy: null,
  },
  {
    name: "wrong project",
    claims: token({ ...RIGHT, project: "Default Project", phase: "apply" }),
    acceptedBy: null,
  },
  {
    name: "project with our name as prefix",
    claims: token({ ...RIGHT, project: "Platform Team 2", phase: "plan" }),
    acceptedBy: null,
  },
  {
    name: "wrong workspace",
    claims: token({ ...RIGHT, workspace: "network-dev", phase: "apply" }),
    acceptedBy: null,
  },
  {
    name: "workspace with our name as prefix",
    claims: token({ ...RIGHT, workspace: "network-prod-2", phase: "plan" }),
    acceptedBy: null,
  },
  {
    name: "same names, other workspace id (recreated)",
    claims: token({ ...RIGHT, workspaceId: "ws-Other1", phase: "apply" }),
    acceptedBy: null,
  },
  {
    name: "no workspace id claim",
    claims: token({ ...RIGHT, workspaceId: undefined, phase: "plan" }),
    acceptedBy: null,
  },
  { name: "unknown phase", claims: token({ ...RIGHT, phase: "apply-extra" }), acceptedBy: null },
  {
    name: "wrong audience",
    claims: token({ ...RIGHT, aud: "sts.amazonaws.com", phase: "plan" }),
    acceptedBy: null,
  },
  { name: "no audience", claims: token({ ...RIGHT, aud: [], phase: "apply" }), acceptedBy: null },
  {
    name: "old sub format without project",
    claims: {
      ...token({ ...RIGHT, phase: "plan" }),
      sub: "organization:acme:workspace:network-prod:run_phase:plan",
    },
    acceptedBy: null,
  },
];

describe("trust matrix: which HCP Terraform tokens each phase role accepts", () => {
  let roles: Record<"plan" | "apply", RoleBindings>;

  before(async () => {
    await installMocks();
    recorder.reset();
    new TfcJwtTrust(
      "trust",
      tfcJwtTrustArgs(vaultSide(), { policyNames: { plan: "p", apply: "a" } }, pulumi.output(WS_ID)),
    );
    await settled();
    roles = {
      plan: bindingsOf(recorder.one(ROLE, "trust-plan-role")),
      apply: bindingsOf(recorder.one(ROLE, "trust-apply-role")),
    };
  });

  for (const row of MATRIX) {
    it(`${row.name}: ${row.acceptedBy ? `only the ${row.acceptedBy} role accepts` : "every role refuses"}`, () => {
      for (const phase of ["plan", "apply"] as const) {
        const error = bindingError(roles[phase], row.claims);
        if (phase === row.acceptedBy) assert.equal(error, null, `${phase} role should accept: ${error}`);
        else assert.notEqual(error, null, `${phase} role must refuse`);
      }
    });
  }

  it("a plan token can never log in to the apply role, and the reverse", () => {
    assert.match(
      bindingError(roles.apply, token({ ...RIGHT, phase: "plan" })) ?? "",
      /claim "sub" does not match/,
    );
    assert.match(
      bindingError(roles.plan, token({ ...RIGHT, phase: "apply" })) ?? "",
      /claim "sub" does not match/,
    );
  });
});
