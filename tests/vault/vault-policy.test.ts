import { strict as assert } from "node:assert";
import { parse } from "@cdktf/hcl2json";
import { phaseGrants, phasePolicyName, renderPhasePolicy } from "../../components/vault-policy";
import { CREDENTIAL_TYPES } from "../../components/aws-credential-types";
import { aclAllows, DEFAULT_POLICY, parsePolicyHcl, type Capability } from "../support/vault-double-acl";

type ParsedPolicy = Readonly<Record<string, readonly Capability[]>>;

/** Parses policy HCL as Vault would read it: path -> capabilities. */
async function parsePolicy(text: string): Promise<ParsedPolicy> {
  const json = (await parse("policy.hcl", text)) as {
    path?: Record<string, { capabilities: Capability[] }[]>;
  };
  return Object.fromEntries(
    Object.entries(json.path ?? {}).map(([p, blocks]) => {
      assert.equal(blocks.length, 1, `path ${p} is declared once`);
      return [p, blocks[0].capabilities];
    }),
  );
}

describe("Vault policy per phase", () => {
  it("grants an iam_user phase exactly: read its creds, revoke its own leases", async () => {
    const policy = await parsePolicy(renderPhasePolicy("aws", "tfc-plan", "iam_user", "plan"));
    assert.deepEqual(policy, {
      "aws/creds/tfc-plan": ["read"],
      "sys/leases/revoke/aws/creds/tfc-plan/*": ["update"],
    });
  });

  for (const type of ["assumed_role", "federation_token", "session_token"] as const) {
    it(`grants a ${type} phase both credential endpoints and their lease prefixes, nothing else`, async () => {
      const policy = await parsePolicy(renderPhasePolicy("team/aws", "tfc-apply", type, "apply"));
      assert.deepEqual(policy, {
        "team/aws/creds/tfc-apply": ["read"],
        "team/aws/sts/tfc-apply": ["read"],
        "sys/leases/revoke/team/aws/creds/tfc-apply/*": ["update"],
        "sys/leases/revoke/team/aws/sts/tfc-apply/*": ["update"],
      });
    });
  }

  it("the rendered text and the grant list agree for every credential type", async () => {
    for (const type of CREDENTIAL_TYPES) {
      const policy = await parsePolicy(renderPhasePolicy("aws", "r", type, "plan"));
      assert.deepEqual(
        policy,
        Object.fromEntries(phaseGrants("aws", "r", type).map((g) => [g.path, g.capabilities])),
      );
    }
  });

  describe("what a plan token may do on Vault (hooks' calls included), by the Vault double's ACL", () => {
    // The token carries the phase policy plus Vault's built-in `default` policy.
    const plan = [parsePolicyHcl(renderPhasePolicy("aws", "tfc-plan", "iam_user", "plan")), DEFAULT_POLICY];
    const allows = (policies: typeof plan, path: string, cap: Capability) => aclAllows(policies, path, [cap]);

    it("reads its own phase's credentials", () => {
      assert.equal(allows(plan, "aws/creds/tfc-plan", "read"), true);
    });

    it("cannot read apply credentials, roles, the root config, or rotate the root key", () => {
      assert.equal(allows(plan, "aws/creds/tfc-apply", "read"), false);
      assert.equal(allows(plan, "aws/creds/tfc-plan-admin", "read"), false);
      assert.equal(allows(plan, "aws/sts/tfc-plan", "read"), false);
      assert.equal(allows(plan, "aws/roles/tfc-plan", "read"), false);
      assert.equal(allows(plan, "aws/config/root", "read"), false);
      assert.equal(allows(plan, "aws/config/rotate-root", "update"), false);
      assert.equal(allows(plan, "aws/creds/tfc-plan", "update"), false);
    });

    it("revokes its own lease by PUT sys/leases/revoke/<lease_id>, as the hooks do", () => {
      assert.equal(allows(plan, "sys/leases/revoke/aws/creds/tfc-plan/Q1w2E3r4T5y6", "update"), true);
    });

    it("cannot revoke other roles' leases, by prefix, or through the body form", () => {
      assert.equal(allows(plan, "sys/leases/revoke/aws/creds/tfc-apply/Q1w2E3r4T5y6", "update"), false);
      assert.equal(allows(plan, "sys/leases/revoke/aws/creds/tfc-plan-admin/Q1w2E3r4T5y6", "update"), false);
      assert.equal(allows(plan, "sys/leases/revoke-prefix/aws/creds/tfc-plan", "update"), false);
      assert.equal(allows(plan, "sys/leases/revoke-force/aws/creds/tfc-plan", "update"), false);
      // The body form (`PUT sys/leases/revoke {lease_id}`) is not granted: hooks put the id in the path.
      assert.equal(allows(plan, "sys/leases/revoke", "update"), false);
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
