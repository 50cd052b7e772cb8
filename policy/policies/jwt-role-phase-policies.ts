/**
 * A plan token reaches plan credentials only. A JWT role bound to the plan phase (`sub` ends in
 * `:run_phase:plan`) may list several Vault policies (the workspace's default AWS configuration
 * and each tagged one log in with the same role), and every AWS engine role those policies reach
 * (credentials paths `<mount>/<creds|sts>/<role>`, lease prefixes in revoke paths and in
 * `lease_id` parameter values) must be a plan role: plan runs execute code from any branch and
 * pull request, so one apply role named in any listed policy, of any tag, hands a speculative
 * plan write access. A stack policy, because the role and its policies are separate resources.
 *
 * A listed policy that this stack does not define cannot be checked and is refused (fail
 * closed). Names not known yet (a first preview) are judged when known, at `pulumi up`.
 * Plan roles are recognised by name, as aws-plan-role-read-only recognises them.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { text, texts } from "../lib/values";
import { pathGrants } from "../lib/vault-policy-paths";

export interface PhasePolicySettings {
  /** Regular expression a plan role's name matches (as in aws-plan-role-read-only). */
  planRoleNamePattern: string;
}

const DEFAULTS: PhasePolicySettings = { planRoleNamePattern: "(^|[-_])plan$" };

/** `<mount>/<creds|sts>/<role>` with an optional lease suffix (`/...`), in a path or a lease_id glob. */
const ROLE_IN_PATH =
  /^(?:sys\/leases\/revoke\/)?[A-Za-z0-9_.@/-]+?\/(?:creds|sts)\/([A-Za-z0-9_.@-]+)(?:\/.*)?$/;

function isPlanRole(r: PolicyResource): boolean {
  const claims = r.props.boundClaims as Record<string, unknown> | undefined;
  const sub = text(claims?.sub) ?? text(r.props.boundSubject);
  return sub !== undefined && sub.endsWith(":run_phase:plan");
}

/** The AWS engine roles a policy's text reaches, or undefined when the text cannot be read. */
export function rolesReached(policyText: string): string[] | undefined {
  const grants = pathGrants(policyText);
  if (grants === undefined) return undefined;
  const roles = new Set<string>();
  for (const g of grants) {
    const values = [g.path, ...((g.allowedParameters?.lease_id ?? []) as unknown[]).map(String)];
    for (const v of values) {
      const m = ROLE_IN_PATH.exec(v);
      if (m) roles.add(m[1]);
    }
  }
  return [...roles];
}

export const jwtRolePhasePolicies: StackValidationPolicy = {
  name: "jwt-role-phase-policies",
  description:
    "A plan-phase JWT role lists only Vault policies that reach plan roles' credentials (of every AWS configuration, tagged or not).",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      planRoleNamePattern: {
        type: "string",
        default: DEFAULTS.planRoleNamePattern,
        description: "Regular expression matching the names of plan-phase AWS secrets engine roles.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const settings = settingsOf(args, DEFAULTS);
    const planRole = new RegExp(settings.planRoleNamePattern);
    // Vault stores policy names in lower case.
    const policies = new Map<string, string | undefined>();
    for (const p of args.resources.filter((r) => r.type === TYPES.vaultPolicy)) {
      const name = text(p.props.name);
      if (name !== undefined) policies.set(name.toLowerCase(), text(p.props.policy));
    }
    for (const role of args.resources.filter((r) => r.type === TYPES.jwtAuthBackendRole && isPlanRole(r))) {
      const label = `Plan JWT role ${role.name}`;
      for (const name of texts(role.props.tokenPolicies)) {
        const key = name.trim().toLowerCase();
        if (key === "default") continue;
        if (!policies.has(key)) {
          reportViolation(
            `${label} gives its tokens Vault policy "${name}", which this stack does not define, so what it reaches cannot be checked: list only the plan policies the stack creates`,
            role.urn,
          );
          continue;
        }
        const body = policies.get(key);
        if (body === undefined) continue; // not known yet (preview): judged at `pulumi up`
        const reached = rolesReached(body);
        if (reached === undefined) {
          reportViolation(
            `${label} gives its tokens Vault policy "${name}", whose text cannot be read`,
            role.urn,
          );
          continue;
        }
        const notPlan = reached.filter((r) => !planRole.test(r));
        if (notPlan.length > 0) {
          reportViolation(
            `${label} gives its tokens Vault policy "${name}", which reaches the credentials of ${notPlan.join(", ")}, not plan roles: a plan (any branch, any pull request) would get write access; list only the plan policies of each AWS configuration`,
            role.urn,
          );
        }
      }
    }
  },
};
