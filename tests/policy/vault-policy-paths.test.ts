import * as assert from "node:assert/strict";
import { vaultPolicyScopedPaths } from "../../policy/policies/vault-policy-scoped-paths";
import { pathGrants } from "../../policy/lib/vault-policy-paths";
import { renderPhasePolicy } from "../../components/vault-policy";
import { planVaultPolicy } from "./fixtures";
import { mutate, violations } from "./harness";

const hcl = (...stanzas: [string, string[]][]) =>
  stanzas
    .map(([p, caps]) => `path "${p}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(", ")}]\n}`)
    .join("\n");
const withPolicy = (policy: string) => mutate(planVaultPolicy, { policy });

describe("policy vault-policy-scoped-paths", () => {
  it("passes the phase policy the program renders, for every credential type", async () => {
    for (const type of ["iam_user", "assumed_role", "federation_token", "session_token"] as const) {
      const policy = withPolicy(renderPhasePolicy("aws", "tfc-apply", type, "apply"));
      assert.deepEqual(await violations(vaultPolicyScopedPaths, policy), [], type);
    }
  });
  it("passes the same policy written as JSON", async () => {
    const json = JSON.stringify({
      path: {
        "aws/creds/tfc-plan": { capabilities: ["read"] },
        "sys/leases/revoke/aws/creds/tfc-plan/*": {
          capabilities: ["update"],
          denied_parameters: { lease_id: [] },
        },
        "sys/leases/lookup": {
          capabilities: ["update"],
          allowed_parameters: { lease_id: ["aws/creds/tfc-plan/*"] },
        },
        "auth/token/revoke-self": { capabilities: ["update"] },
      },
    });
    assert.deepEqual(await violations(vaultPolicyScopedPaths, withPolicy(json)), []);
  });
  it("allows lease renewal only scoped to role lease prefixes (the keeper's grant)", async () => {
    const renew = (params: string) =>
      withPolicy(
        `path "aws/creds/tfc-plan" {\n  capabilities = ["read"]\n}\npath "sys/leases/renew" {\n  capabilities = ["update"]\n${params}}`,
      );
    assert.deepEqual(
      await violations(
        vaultPolicyScopedPaths,
        renew(
          '  allowed_parameters = {\n    "lease_id" = ["aws/creds/tfc-plan/*"]\n    "increment" = []\n  }\n',
        ),
      ),
      [],
    );
    const anyLease =
      'renews any lease in the namespace: add allowed_parameters = { "lease_id" = ["<mount>/creds/<role>/*"], "increment" = [] }';
    for (const params of [
      "",
      '  allowed_parameters = {\n    "lease_id" = ["*"]\n  }\n',
      '  allowed_parameters = {\n    "lease_id" = ["aws/*"]\n  }\n',
      '  allowed_parameters = {\n    "lease_id" = ["aws/creds/tfc-plan/*"]\n    "*" = []\n  }\n',
    ]) {
      const found = await violations(vaultPolicyScopedPaths, renew(params));
      assert.equal(found.length, 1, `${params}: ${found.join("; ")}`);
      assert.match(found[0], new RegExp(anyLease.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    }
  });
  it("refuses a role's revoke prefix that lets the body name the lease (HCL and JSON)", async () => {
    const bodyWins =
      "revokes any lease named in the request body (Vault reads lease_id from the body before the path)";
    const path = "sys/leases/revoke/aws/creds/tfc-plan/*";
    const json = JSON.stringify({ path: { [path]: { capabilities: ["update"] } } });
    const onlyOneValue = `path "${path}" {\n  capabilities = ["update"]\n  denied_parameters = { "lease_id" = ["x"] }\n}`;
    for (const text of [hcl([path, ["update"]]), json, onlyOneValue]) {
      const found = await violations(vaultPolicyScopedPaths, withPolicy(text));
      assert.match(found.join("\n"), new RegExp(bodyWins.replace(/[()]/g, "\\$&")), text);
    }
  });
  it("accepts lease lookup and the token's own paths, refuses other auth/token paths", async () => {
    const ok = hcl(
      ["sys/leases/lookup", ["update"]],
      ["auth/token/revoke-self", ["update"]],
      ["auth/token/lookup-self", ["read"]],
    );
    assert.deepEqual(await violations(vaultPolicyScopedPaths, withPolicy(ok)), []);
    for (const path of ["sys/leases/renew", "auth/token/revoke", "auth/token/revoke-accessor"]) {
      const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl([path, ["update"]])));
      assert.equal(found.length, 1, path);
    }
  });
  it("refuses sys/*", async () => {
    const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl(["sys/*", ["update"]])));
    assert.deepEqual(found, [
      'Vault policy engine-plan-policy grants path "sys/*", which reaches sys/, Vault\'s system backend',
    ]);
  });
  it("refuses a mount-wide glob", async () => {
    const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl(["aws/*", ["read"]])));
    assert.deepEqual(found, [
      'Vault policy engine-plan-policy grants path "aws/*", which is a glob (name the phase\'s own credentials path literally)',
    ]);
  });
  it("refuses a glob over every role's credentials", async () => {
    const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl(["aws/creds/*", ["read"]])));
    assert.match(found.join("\n"), /"aws\/creds\/\*", which is a glob/);
  });
  it("refuses the + segment wildcard", async () => {
    const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl(["aws/creds/+", ["read"]])));
    assert.match(found.join("\n"), /"aws\/creds\/\+", which is a glob/);
  });
  it("refuses the bare revoke endpoint (lease id in the body: anyone's lease)", async () => {
    const found = await violations(
      vaultPolicyScopedPaths,
      withPolicy(hcl(["sys/leases/revoke", ["update"]])),
    );
    assert.match(found.join("\n"), /"sys\/leases\/revoke", which revokes leases beyond one role's own/);
  });
  it("refuses a revoke prefix wider than one role", async () => {
    for (const path of [
      "sys/leases/revoke/*",
      "sys/leases/revoke/aws/*",
      "sys/leases/revoke/aws/creds/*/*",
    ]) {
      const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl([path, ["update"]])));
      assert.match(found.join("\n"), /revokes leases beyond one role's own/, path);
    }
  });
  it("refuses sudo", async () => {
    const found = await violations(
      vaultPolicyScopedPaths,
      withPolicy(hcl(["aws/creds/tfc-plan", ["read", "sudo"]])),
    );
    assert.deepEqual(found, [
      'Vault policy engine-plan-policy grants sudo on "aws/creds/tfc-plan": runs need read and update only',
    ]);
  });
  it("refuses literal paths that are not credentials paths (a run could rewrite its own permissions)", async () => {
    for (const path of [
      "aws/roles/tfc-plan",
      "aws/config/root",
      "aws/config/rotate-root",
      "auth/jwt-tfc/role/tfc-plan",
      "auth/token/create",
      "identity/entity",
    ]) {
      const found = await violations(vaultPolicyScopedPaths, withPolicy(hcl([path, ["update"]])));
      assert.deepEqual(
        found,
        [
          `Vault policy engine-plan-policy grants path "${path}", which is not a credentials path: a run needs only <mount>/creds/<role> or <mount>/sts/<role> (and its own revoke prefix)`,
        ],
        path,
      );
    }
  });
  it("accepts credentials paths on a nested mount, for both endpoints", async () => {
    const policy = hcl(["team/aws/creds/tfc-plan", ["read"]], ["team/aws/sts/tfc-plan", ["read"]]);
    const revoke =
      'path "sys/leases/revoke/team/aws/sts/tfc-plan/*" {\n  capabilities = ["update"]\n  denied_parameters = {\n    "lease_id" = []\n  }\n}';
    assert.deepEqual(await violations(vaultPolicyScopedPaths, withPolicy(`${policy}\n${revoke}`)), []);
  });
  it("refuses capabilities beyond reading credentials and revoking (delete, list, patch)", async () => {
    const found = await violations(
      vaultPolicyScopedPaths,
      withPolicy(hcl(["aws/creds/tfc-plan", ["read", "delete", "list", "patch"]])),
    );
    assert.deepEqual(found, [
      'Vault policy engine-plan-policy grants delete, list, patch on "aws/creds/tfc-plan": runs need read and update only',
    ]);
  });
  it("refuses policy text it cannot read (fails closed)", async () => {
    const badParameters =
      'path "aws/creds/tfc-plan" {\n  capabilities = ["read"]\n  allowed_parameters = { "ttl" = "x" }\n}';
    const unclosed = 'path "aws/creds/tfc-plan" {\n  capabilities = ["read"]\n';
    for (const text of [
      "",
      "not a policy",
      badParameters,
      unclosed,
      'path "a" { capabilities = ["read"] } x',
    ]) {
      const found = await violations(vaultPolicyScopedPaths, withPolicy(text));
      assert.match(found.join("\n"), /cannot be read as path stanzas/, JSON.stringify(text));
    }
  });
});

describe("Vault policy reader", () => {
  it("reads paths and capabilities, skipping comments", () => {
    assert.deepEqual(pathGrants('# c\npath "a/b" {\n capabilities = ["read", "list"]\n}\n'), [
      { path: "a/b", capabilities: ["read", "list"] },
    ]);
  });
  it("reads parameter constraints, lower-casing names as Vault does", () => {
    const text =
      'path "p" {\n  capabilities = ["update"]\n  allowed_parameters = {\n    "Lease_ID" = ["a/*", "b"]\n  }\n  denied_parameters = { "x" = [], y = [1] }\n}';
    assert.deepEqual(pathGrants(text), [
      {
        path: "p",
        capabilities: ["update"],
        allowedParameters: { lease_id: ["a/*", "b"] },
        deniedParameters: { x: [], y: [1] },
      },
    ]);
  });
});
