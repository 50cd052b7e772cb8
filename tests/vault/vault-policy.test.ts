import { strict as assert } from "node:assert";
import { parse } from "@cdktf/hcl2json";
import { phaseGrants, phasePolicyName, renderPhasePolicy } from "../../components/vault-policy";
import { CREDENTIAL_TYPES } from "../../components/aws-credential-types";
import { aclAllows, DEFAULT_POLICY, parsePolicyHcl, type Capability } from "../support/vault-double-acl";

interface ParsedStanza {
  capabilities: Capability[];
  allowed_parameters?: Record<string, string[]>;
  denied_parameters?: Record<string, string[]>;
}
type ParsedPolicy = Readonly<Record<string, ParsedStanza>>;

/** Parses policy HCL with a real HCL parser (not the double's): path -> stanza. */
async function parsePolicy(text: string): Promise<ParsedPolicy> {
  const json = (await parse("policy.hcl", text)) as { path?: Record<string, ParsedStanza[]> };
  return Object.fromEntries(
    Object.entries(json.path ?? {}).map(([p, blocks]) => {
      assert.equal(blocks.length, 1, `path ${p} is declared once`);
      return [p, blocks[0]];
    }),
  );
}

const TOKEN_SELF = {
  "auth/token/revoke-self": { capabilities: ["update"] },
  "auth/token/lookup-self": { capabilities: ["read"] },
};
const NO_LEASE_ID_PARAMETER = { lease_id: [] };

describe("Vault policy per phase", () => {
  it("grants an iam_user phase exactly the hooks' calls: its creds, its leases, its own token", async () => {
    const policy = await parsePolicy(renderPhasePolicy("aws", "tfc-plan", "iam_user", "plan"));
    assert.deepEqual(policy, {
      "aws/creds/tfc-plan": { capabilities: ["read"] },
      "sys/leases/revoke/aws/creds/tfc-plan/*": {
        capabilities: ["update"],
        denied_parameters: NO_LEASE_ID_PARAMETER,
      },
      "sys/leases/lookup": {
        capabilities: ["update"],
        allowed_parameters: { lease_id: ["aws/creds/tfc-plan/*"] },
      },
      ...TOKEN_SELF,
      "sys/leases/renew": {
        capabilities: ["update"],
        allowed_parameters: { lease_id: ["aws/creds/tfc-plan/*"], increment: [] },
      },
      "auth/token/renew-self": { capabilities: ["update"] },
    });
  });

  for (const type of ["assumed_role", "federation_token", "session_token"] as const) {
    it(`grants a ${type} phase both credential endpoints and their lease prefixes, nothing else`, async () => {
      const policy = await parsePolicy(renderPhasePolicy("team/aws", "tfc-apply", type, "apply"));
      assert.deepEqual(policy, {
        "team/aws/creds/tfc-apply": { capabilities: ["read"] },
        "team/aws/sts/tfc-apply": { capabilities: ["read"] },
        "sys/leases/revoke/team/aws/creds/tfc-apply/*": {
          capabilities: ["update"],
          denied_parameters: NO_LEASE_ID_PARAMETER,
        },
        "sys/leases/revoke/team/aws/sts/tfc-apply/*": {
          capabilities: ["update"],
          denied_parameters: NO_LEASE_ID_PARAMETER,
        },
        "sys/leases/lookup": {
          capabilities: ["update"],
          allowed_parameters: { lease_id: ["team/aws/creds/tfc-apply/*", "team/aws/sts/tfc-apply/*"] },
        },
        ...TOKEN_SELF,
        "sys/leases/renew": {
          capabilities: ["update"],
          allowed_parameters: {
            lease_id: ["team/aws/creds/tfc-apply/*", "team/aws/sts/tfc-apply/*"],
            increment: [],
          },
        },
        "auth/token/renew-self": { capabilities: ["update"] },
      });
    });
  }

  it("the rendered text, the double's reading of it and the grant list agree for every type", async () => {
    for (const type of CREDENTIAL_TYPES) {
      const text = renderPhasePolicy("aws", "r", type, "plan");
      const policy = await parsePolicy(text);
      const grants = phaseGrants("aws", "r", type);
      assert.deepEqual(
        Object.fromEntries(Object.entries(policy).map(([p, st]) => [p, st.capabilities])),
        Object.fromEntries(grants.map((g) => [g.path, g.capabilities])),
      );
      assert.deepEqual(
        parsePolicyHcl(text).map((r) => [r.path, r.allowedParameters, r.deniedParameters]),
        grants.map((g) => [g.path, g.allowedParameters, g.deniedParameters]),
      );
    }
  });

  describe("what a plan token may do on Vault (hooks' calls included), by the Vault double's ACL", () => {
    // token_no_default_policy: the token carries the phase policy only.
    const plan = [parsePolicyHcl(renderPhasePolicy("aws", "tfc-plan", "iam_user", "plan"))];
    const allows = (path: string, cap: Capability, data: Record<string, unknown> = {}) =>
      aclAllows(plan, path, [cap], data);
    const OWN = "aws/creds/tfc-plan/Q1w2E3r4T5y6";

    it("reads its own phase's credentials", () => {
      assert.equal(allows("aws/creds/tfc-plan", "read"), true);
    });

    it("cannot read apply credentials, roles, the root config, or rotate the root key", () => {
      assert.equal(allows("aws/creds/tfc-apply", "read"), false);
      assert.equal(allows("aws/creds/tfc-plan-admin", "read"), false);
      assert.equal(allows("aws/sts/tfc-plan", "read"), false);
      assert.equal(allows("aws/roles/tfc-plan", "read"), false);
      assert.equal(allows("aws/config/root", "read"), false);
      assert.equal(allows("aws/config/rotate-root", "update"), false);
      assert.equal(allows("aws/creds/tfc-plan", "update"), false);
    });

    it("revokes its own lease by PUT sys/leases/revoke/<lease_id> {sync}, as the hooks do", () => {
      assert.equal(allows(`sys/leases/revoke/${OWN}`, "update", { sync: true }), true);
    });

    it("cannot name another lease in the body of an allowed revoke path (Vault reads the body first)", () => {
      for (const lease of ["aws/creds/tfc-apply/X", "auth/jwt-tfc/login/Y", OWN]) {
        assert.equal(allows(`sys/leases/revoke/${OWN}`, "update", { lease_id: lease, sync: true }), false);
        assert.equal(allows(`sys/leases/revoke/${OWN}`, "update", { LEASE_ID: lease }), false);
      }
    });

    it("cannot revoke other roles' leases, by prefix, or through the bare body form", () => {
      assert.equal(allows("sys/leases/revoke/aws/creds/tfc-apply/Q1w2E3r4T5y6", "update"), false);
      assert.equal(allows("sys/leases/revoke/aws/creds/tfc-plan-admin/Q1w2E3r4T5y6", "update"), false);
      assert.equal(allows("sys/leases/revoke-prefix/aws/creds/tfc-plan", "update"), false);
      assert.equal(allows("sys/leases/revoke-force/aws/creds/tfc-plan", "update"), false);
      assert.equal(allows("sys/leases/revoke", "update", { lease_id: OWN }), false);
    });

    it("looks up leases of its own role only", () => {
      assert.equal(allows("sys/leases/lookup", "update", { lease_id: OWN }), true);
      assert.equal(allows("sys/leases/lookup", "update", { lease_id: "aws/creds/tfc-apply/X" }), false);
      assert.equal(allows("sys/leases/lookup", "update", { lease_id: "aws/creds/tfc-plan-admin/X" }), false);
      assert.equal(allows("sys/leases/lookup", "update", { lease_id: OWN, other: 1 }), false);
    });

    it("renews its own token and its own role's leases only (the keeper), in the body form it uses", () => {
      assert.equal(allows("auth/token/renew-self", "update", { increment: 300 }), true);
      assert.equal(allows("sys/leases/renew", "update", { lease_id: OWN, increment: 300 }), true);
      assert.equal(allows("sys/leases/renew", "update", { lease_id: OWN }), true);
      for (const lease of ["aws/creds/tfc-apply/X", "aws/creds/tfc-plan-admin/X", "auth/jwt/login/Y"])
        assert.equal(allows("sys/leases/renew", "update", { lease_id: lease, increment: 300 }), false);
      // The URL form is not granted: Vault would take a body lease_id over the URL's.
      assert.equal(allows(`sys/leases/renew/${OWN}`, "update"), false);
      assert.equal(allows("sys/leases/renew", "update", { lease_id: OWN, other: 1 }), false);
      assert.equal(allows("auth/token/renew", "update", { token: "x" }), false);
    });

    it("has none of the default policy's other grants: capabilities, cubbyhole", () => {
      assert.equal(allows("auth/token/revoke-self", "update"), true);
      assert.equal(allows("auth/token/lookup-self", "read"), true);
      assert.equal(allows("sys/capabilities-self", "update"), false);
      assert.equal(allows("cubbyhole/x", "read"), false);
    });

    it("Vault's merge: the default policy's unconstrained lookup grant does not lift the constraint", () => {
      const withDefault = [...plan, DEFAULT_POLICY];
      const lookup = (lease: string) =>
        aclAllows(withDefault, "sys/leases/lookup", ["update"], { lease_id: lease });
      assert.equal(lookup("aws/creds/tfc-apply/X"), false);
      assert.equal(lookup(OWN), true);
      // ...but it does add the grants the phase policy leaves out.
      assert.equal(aclAllows(withDefault, "sys/capabilities-self", ["update"]), true);
    });
  });

  it("refuses mount or role names that would quote wrongly or widen the path", () => {
    assert.throws(
      () => renderPhasePolicy("aws", "tfc*", "iam_user", "plan"),
      /role name "tfc\*" cannot be used/,
    );
    assert.throws(() => renderPhasePolicy("aws", "a+b", "iam_user", "plan"), /cannot be used/);
    assert.throws(() => renderPhasePolicy('aws"', "r", "iam_user", "plan"), /mount path/);
    assert.throws(() => renderPhasePolicy("/aws", "r", "iam_user", "plan"), /mount path/);
    assert.throws(() => phasePolicyName("aws", "r\n"), /role name/);
  });

  it("names policies after mount and role so two mounts never collide", () => {
    assert.equal(phasePolicyName("aws", "tfc-plan"), "aws-tfc-plan-creds");
    assert.equal(phasePolicyName("team/aws", "tfc-plan"), "team-aws-tfc-plan-creds");
  });
});
