/**
 * The shipped policies (permissions/) against what the program actually registers, under Pulumi
 * mocks, in every set-up that registers something different (external and demo Vault, root-key
 * rotation, a managed engine identity, an external registry, autoscaling, Docker agents):
 * - every Vault path the program writes through the Vault provider is allowed by
 *   pulumi-vault-policy.hcl (evaluated with the Vault double's ACL, as vault/acl.go), also with
 *   non-default names after they are put in;
 * - every AWS resource type and data source is in the table of AWS actions
 *   (tests/permissions/aws-actions.ts), every table entry is used, and pulumi-aws-policy.json
 *   allows exactly the table's actions;
 * - vault-engine-identity-policy.json is what the program itself would give a managed engine.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { aclAllows, type Capability, parsePolicyHcl } from "../support/vault-double-acl";
import { allRegistered, plain, recorder } from "../support/pulumi-mocks";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { engineIdentityPolicy } from "../../components/engine-iam-policy";
import { DEFAULT_APPLY_POLICY, DEFAULT_PLAN_POLICY } from "../../config/vault";
import { pulumiVaultPolicy } from "../../components/pulumi-vault-policy";
import { useAgentMocks } from "../agent/fixtures";
import { ROOT, SECRETS, devSource } from "../program/dev-stack";
import { DEMO_OVERRIDES, useDemoVaultMocks } from "../vault/demo-vault-fixtures";
import { AWS_ACTIONS_BY_INVOKE, AWS_ACTIONS_BY_TYPE, NOT_AWS } from "./aws-actions";
import { ENTRIES, HUB, TAGGED_PROJECT } from "../program/onboarding-fixtures";

const PERMISSIONS = path.join(ROOT, "permissions");
const read = (file: string) => readFileSync(path.join(PERMISSIONS, file), "utf8");

interface VaultCall {
  readonly path: string;
  readonly caps: readonly Capability[];
}

const CRUD: Capability[] = ["create", "read", "update", "delete"];
const text = (v: unknown) => String(plain(v));

/**
 * What the Vault provider calls for each resource type (create, read, update, delete), per
 * docs/upstream-behaviour.md#vault-system-endpoints and the provider's resource docs.
 */
const VAULT_CALLS: Record<string, (inputs: Record<string, unknown>) => VaultCall[]> = {
  "vault:aws/secretBackend:SecretBackend": (i) => [
    { path: `sys/mounts/${text(i.path)}`, caps: CRUD },
    { path: `sys/mounts/${text(i.path)}/tune`, caps: ["read", "update"] },
    { path: `${text(i.path)}/config/root`, caps: ["create", "read", "update"] },
  ],
  "vault:index/mount:Mount": (i) => [
    { path: `sys/mounts/${text(i.path)}`, caps: CRUD },
    { path: `sys/mounts/${text(i.path)}/tune`, caps: ["read", "update"] },
  ],
  "vault:aws/secretBackendRole:SecretBackendRole": (i) => [
    { path: `${text(i.backend)}/roles/${text(i.name)}`, caps: CRUD },
  ],
  "vault:index/policy:Policy": (i) => [{ path: `sys/policies/acl/${text(i.name)}`, caps: CRUD }],
  "vault:jwt/authBackend:AuthBackend": (i) => [
    { path: `sys/auth/${text(i.path)}`, caps: [...CRUD, "sudo"] },
    { path: `sys/auth/${text(i.path)}/tune`, caps: ["read", "update", "sudo"] },
    { path: `auth/${text(i.path)}/config`, caps: ["create", "read", "update"] },
  ],
  "vault:jwt/authBackendRole:AuthBackendRole": (i) => [
    { path: `auth/${text(i.backend)}/role/${text(i.roleName)}`, caps: CRUD },
  ],
  "pulumi-nodejs:dynamic/vault:RotateRoot": (i) => [
    { path: `${text(i.mountPath)}/config/root`, caps: ["update"] },
    { path: `${text(i.mountPath)}/config/rotate-root`, caps: ["update"] },
  ],
};

/** The provider's own calls whatever it manages. */
const PROVIDER_CALLS: VaultCall[] = [
  { path: "auth/token/lookup-self", caps: ["read"] },
  { path: "auth/token/create", caps: ["update"] },
  { path: "sys/mounts", caps: ["read"] },
  { path: "sys/auth", caps: ["read"] },
];

/** Vault-side resources that do not use Pulumi's token (VaultInit uses the root token once). */
const NOT_THROUGH_TOKEN = ["pulumi-nodejs:dynamic/vault:VaultInit"];

const IAM_USER = "aws:iam/user:User";
const PARTITION = "aws:index/getPartition:getPartition";
const CALLER = "aws:index/getCallerIdentity:getCallerIdentity";
const BOUNDARY = "arn:aws:iam::123456789012:policy/tfc-boundary";

/** Every set-up that registers different resources. */
const VARIANTS: { name: string; overrides: Record<string, unknown>; secrets?: Record<string, string> }[] = [
  { name: "dev stack", overrides: {} },
  { name: "root-key rotation", overrides: { rotateRootKey: true } },
  {
    name: "managed engine identity",
    overrides: {
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      planPermissionsBoundaryArn: BOUNDARY,
      applyPermissionsBoundaryArn: BOUNDARY,
    },
    secrets: {},
  },
  {
    name: "external registry",
    overrides: {
      imageRegistryServer: "ghcr.io",
      imageRepository: "ghcr.io/acme/tfc-agent",
      imageRegistryUsername: "acme",
    },
    secrets: { ...SECRETS, imageRegistryPassword: "registry-password" },
  },
  { name: "autoscaling", overrides: { agentMaxCount: 6 } },
  { name: "docker agents", overrides: { agentRuntime: "docker" } },
  { name: "demo Vault", overrides: DEMO_OVERRIDES },
  // Every onboarded entry's roles, policies and JWT roles are written with the same token.
  { name: "onboarded workspaces and a project", overrides: { workspaces: [...ENTRIES] } },
  {
    name: "demo Vault with onboarded workspaces",
    overrides: { ...DEMO_OVERRIDES, workspaces: [...ENTRIES] },
  },
  {
    name: "other names",
    overrides: { awsMountPath: "team/aws", jwtAuthPath: "hcp-jwt", vaultRoleNamePrefix: "ci" },
  },
  // Each tag's engine roles and policies (`<prefix>-<stem>.<tag>-<phase>`) with the same token.
  { name: "tagged AWS configurations", overrides: { workspaces: [HUB, TAGGED_PROJECT] } },
  {
    name: "tagged AWS configurations, other names, managed engine identity",
    overrides: {
      awsMountPath: "team/aws",
      jwtAuthPath: "hcp-jwt",
      vaultRoleNamePrefix: "ci",
      workspaces: [HUB, TAGGED_PROJECT],
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      planPermissionsBoundaryArn: BOUNDARY,
      applyPermissionsBoundaryArn: BOUNDARY,
    },
    secrets: {},
  },
];

async function registered(variant: (typeof VARIANTS)[number]) {
  recorder.reset();
  const config = readStackConfig(
    devSource(variant.overrides as Parameters<typeof devSource>[0], variant.secrets),
  );
  createStack(config, { contextDir: ROOT });
  // The demo Vault's instance waits on a chain of outputs: let every registration land.
  await allRegistered();
  return { config, resources: [...recorder.resources], invokes: recorder.calls.map((c) => c.token) };
}

function deniedCalls(hcl: string, resources: readonly { type: string; inputs: Record<string, unknown> }[]) {
  const rules = [parsePolicyHcl(hcl)];
  const calls = [
    ...PROVIDER_CALLS,
    ...resources.filter((r) => VAULT_CALLS[r.type]).flatMap((r) => VAULT_CALLS[r.type](r.inputs)),
  ];
  return calls.flatMap((c) =>
    c.caps.filter((cap) => !aclAllows(rules, c.path, [cap])).map((cap) => `${cap} ${c.path}`),
  );
}

describe("shipped policies cover what the program does", function () {
  this.timeout(120_000);
  useAgentMocks();
  useDemoVaultMocks();
  const seen: {
    name: string;
    resources: { type: string; inputs: Record<string, unknown> }[];
    invokes: string[];
    hcl: string;
  }[] = [];

  // The managed engine identity's policy names its account, partition and own user by ARN.
  beforeEach(() => {
    recorder.outputs.set(IAM_USER, (args) => ({
      arn: `arn:aws:iam::123456789012:user/tfc-jit-aws/${args.name}`,
    }));
    recorder.invokes.set(PARTITION, () => ({ partition: "aws" }));
    recorder.invokes.set(CALLER, () => ({ accountId: "123456789012" }));
  });
  after(() => {
    recorder.outputs.delete(IAM_USER);
    recorder.invokes.delete(PARTITION);
    recorder.invokes.delete(CALLER);
  });

  it("registers every set-up without error", async () => {
    for (const variant of VARIANTS) {
      const { config, resources, invokes } = await registered(variant);
      const hcl = pulumiVaultPolicy({
        awsMountPath: config.vault.engine.mountPath,
        jwtAuthPath: config.vault.trust.authPath,
        roleNamePrefix: config.vault.engine.roleNamePrefix,
      });
      seen.push({ name: variant.name, resources, invokes, hcl });
    }
    assert.equal(seen.length, VARIANTS.length);
  });

  it("the Vault policy allows every path the program writes, in every set-up", () => {
    assert.equal(
      pulumiVaultPolicy({ awsMountPath: "aws", jwtAuthPath: "jwt-tfc", roleNamePrefix: "tfc" }),
      read("pulumi-vault-policy.hcl"),
      "for the default names the shipped file is used as it is",
    );
    for (const { name, resources, hcl } of seen) {
      const types = new Set(resources.map((r) => r.type).filter((t) => /^vault:|dynamic\/vault:/.test(t)));
      for (const type of types) {
        assert.ok(
          type in VAULT_CALLS || NOT_THROUGH_TOKEN.includes(type),
          `${name}: ${type} has no row in VAULT_CALLS`,
        );
      }
      assert.deepEqual(deniedCalls(hcl, resources), [], `${name}: denied by the shipped policy`);
    }
  });

  it("the demo Vault's token gets the shipped policy", () => {
    const demo = seen.find((s) => s.name === "demo Vault")!;
    const init = demo.resources.find((r) => r.type === "pulumi-nodejs:dynamic/vault:VaultInit")!;
    assert.equal(init.inputs.policyHcl, read("pulumi-vault-policy.hcl"));
  });

  it("would see a path the policy lacks (the check itself can fail)", () => {
    const { resources } = seen[0];
    const without = read("pulumi-vault-policy.hcl").replace(/path "sys\/auth\/jwt-tfc" \{[^}]*\}/, "");
    assert.deepEqual(
      deniedCalls(without, resources).filter((d) => d.endsWith(" sys/auth/jwt-tfc")),
      [
        "create sys/auth/jwt-tfc",
        "read sys/auth/jwt-tfc",
        "update sys/auth/jwt-tfc",
        "delete sys/auth/jwt-tfc",
        "sudo sys/auth/jwt-tfc",
      ],
    );
  });

  it("every AWS resource type and data source has its actions in the table, and every table row is used", () => {
    const types = new Set(seen.flatMap((s) => s.resources.map((r) => r.type)));
    const invokes = new Set(seen.flatMap((s) => s.invokes));
    const uncovered = [...types].filter(
      (t) => !(t in AWS_ACTIONS_BY_TYPE) && !NOT_AWS.some((re) => re.test(t)),
    );
    assert.deepEqual(uncovered, [], "registered types with no row in AWS_ACTIONS_BY_TYPE");
    assert.deepEqual(
      Object.keys(AWS_ACTIONS_BY_TYPE).filter((t) => !types.has(t)),
      [],
      "table rows no set-up registers",
    );
    assert.deepEqual(
      [...invokes].filter((t) => !(t in AWS_ACTIONS_BY_INVOKE)),
      [],
      "data sources with no row",
    );
    assert.deepEqual(
      Object.keys(AWS_ACTIONS_BY_INVOKE).filter((t) => !invokes.has(t)),
      [],
      "data source rows no set-up reads",
    );
  });

  it("the IAM policy for Pulumi's AWS identity allows exactly the table's actions", () => {
    const doc = JSON.parse(read("pulumi-aws-policy.json")) as {
      Statement: { Effect: string; Action: string[]; Resource: string }[];
    };
    const allowed = new Set(doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action));
    const needed = new Set(
      [...Object.values(AWS_ACTIONS_BY_TYPE), ...Object.values(AWS_ACTIONS_BY_INVOKE)].flat(),
    );
    assert.deepEqual([...needed].filter((a) => !allowed.has(a)).sort(), [], "needed but not allowed");
    assert.deepEqual([...allowed].filter((a) => !needed.has(a)).sort(), [], "allowed but not needed");
    assert.ok(
      [...allowed].every((a) => !a.includes("*")),
      "no wildcard actions",
    );
  });

  it("the run credentials' permissions boundary allows everything the default phase policies allow", () => {
    const boundary = JSON.parse(read("run-credentials-boundary-policy.json")) as {
      Statement: { Effect: string; Action: string[] }[];
    };
    const allowed = boundary.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
    const covers = (action: string) =>
      allowed.some((a) =>
        new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(action),
      );
    for (const policy of [DEFAULT_PLAN_POLICY, DEFAULT_APPLY_POLICY]) {
      for (const statement of policy.Statement.filter((s) => s.Effect === "Allow")) {
        for (const action of statement.Action)
          assert.ok(covers(action), `${action} is cut off by the boundary`);
      }
    }
    assert.ok(!covers("iam:CreateUser") && !covers("kms:Decrypt"), "nothing beyond them");
  });

  it("the engine identity's IAM policy is the one the program gives a managed engine identity", () => {
    const generated = engineIdentityPolicy(
      [
        {
          credentialType: "iam_user",
          userPath: "/tfc/",
          permissionsBoundaryArn: "arn:aws:iam::111122223333:policy/tfc-boundary",
          tagsUsers: false,
          policyArns: [],
          iamGroups: [],
          roleArns: [],
        },
      ],
      "aws",
      "111122223333",
      "arn:aws:iam::111122223333:user/tfc-jit-aws/vault-engine",
    );
    assert.deepEqual(JSON.parse(read("vault-engine-identity-policy.json")), JSON.parse(generated));
  });
});
