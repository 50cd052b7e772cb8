import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import {
  installMocks,
  isSecretInput,
  outputIsSecret,
  plain,
  recorder,
  settled,
  valueOf,
} from "../support/pulumi-mocks";
import {
  IAM_USERNAME_TEMPLATE,
  VaultAwsEngine,
  checkEngineArgs,
  type VaultAwsEngineArgs,
} from "../../components/vault-aws-engine";
import { vaultAwsEngineArgs } from "../../components/vault-side-args";
import { DEFAULT_APPLY_POLICY, DEFAULT_PLAN_POLICY } from "../../config/vault";
import { ROOT_SECRET_KEY, WITH_ROOT_KEYS, vaultSide } from "./fixtures";

const BACKEND = "vault:aws/secretBackend:SecretBackend";
const ROLE = "vault:aws/secretBackendRole:SecretBackendRole";
const POLICY = "vault:index/policy:Policy";
const ROTATE = "pulumi-nodejs:dynamic/vault:RotateRoot";
const MOUNT = "vault:index/mount:Mount";

describe("VaultAwsEngine", () => {
  before(installMocks);
  beforeEach(() => recorder.reset());

  it("mounts the AWS engine with the configured region and lease TTLs, and no keys by default", async () => {
    new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(vaultSide({ awsRegion: "eu-west-1", leaseTtlSeconds: 900 })),
    );
    await settled();
    const backend = recorder.one(BACKEND, "eng-backend");
    assert.equal(backend.inputs.path, "aws");
    assert.equal(backend.inputs.region, "eu-west-1");
    assert.equal(backend.inputs.defaultLeaseTtlSeconds, 900);
    assert.equal(backend.inputs.maxLeaseTtlSeconds, 3600);
    assert.equal(backend.inputs.accessKey, undefined);
    assert.equal(backend.inputs.secretKey, undefined);
    // iam_user names carry the workspace (docs/audit-trail.md); tests/hooks/audit-trail.test.ts renders it.
    assert.equal(backend.inputs.usernameTemplate, IAM_USERNAME_TEMPLATE);
    assert.equal(recorder.ofType(ROTATE).length, 0);
  });

  it("creates one role per phase with the seed defaults: iam_user, read-only plan, read/write apply", async () => {
    new VaultAwsEngine("eng", vaultAwsEngineArgs(vaultSide()));
    await settled();
    const plan = recorder.one(ROLE, "eng-plan-role");
    const apply = recorder.one(ROLE, "eng-apply-role");
    assert.deepEqual(plain(plan.inputs), {
      backend: "aws",
      name: "tfc-plan",
      credentialType: "iam_user",
      policyDocument: JSON.stringify(DEFAULT_PLAN_POLICY),
      userPath: "/",
    });
    assert.deepEqual(plain(apply.inputs), {
      backend: "aws",
      name: "tfc-apply",
      credentialType: "iam_user",
      policyDocument: JSON.stringify(DEFAULT_APPLY_POLICY),
      userPath: "/",
    });
  });

  it("passes STS settings, role ARNs and groups to an assumed_role phase", async () => {
    const side = vaultSide({
      applyCredentialType: "assumed_role",
      applyRoleArns: ["arn:aws:iam::123456789012:role/deployer"],
      applyIamGroups: ["deployers"],
      applyStsTtlSeconds: 1800,
    });
    new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
    await settled();
    assert.deepEqual(plain(recorder.one(ROLE, "eng-apply-role").inputs), {
      backend: "aws",
      name: "tfc-apply",
      credentialType: "assumed_role",
      policyDocument: JSON.stringify(DEFAULT_APPLY_POLICY),
      roleArns: ["arn:aws:iam::123456789012:role/deployer"],
      iamGroups: ["deployers"],
      defaultStsTtl: 1800,
      maxStsTtl: 1800,
    });
  });

  it("never sends STS TTLs for session_token (the Terraform Vault provider refuses them)", async () => {
    new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(vaultSide({ applyCredentialType: "session_token", applyStsTtlSeconds: 1800 })),
    );
    await settled();
    const apply = plain(recorder.one(ROLE, "eng-apply-role").inputs) as Record<string, unknown>;
    assert.equal(apply.credentialType, "session_token");
    assert.ok(!("defaultStsTtl" in apply) && !("maxStsTtl" in apply), JSON.stringify(apply));
    assert.equal(apply.policyDocument, undefined);
  });

  it("sends STS TTLs for federation_token", async () => {
    new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(vaultSide({ applyCredentialType: "federation_token", applyStsTtlSeconds: 1800 })),
    );
    await settled();
    const apply = plain(recorder.one(ROLE, "eng-apply-role").inputs) as Record<string, unknown>;
    assert.equal(apply.defaultStsTtl, 1800);
    assert.equal(apply.maxStsTtl, 1800);
  });

  it("gives the plan role the plan phase's permissions boundary from config (and apply its own)", async () => {
    const planBoundary = "arn:aws:iam::123456789012:policy/tfc-plan-boundary";
    const applyBoundary = "arn:aws:iam::123456789012:policy/tfc-apply-boundary";
    new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(
        vaultSide({ planPermissionsBoundaryArn: planBoundary, applyPermissionsBoundaryArn: applyBoundary }),
      ),
    );
    await settled();
    assert.equal(recorder.one(ROLE, "eng-plan-role").inputs.permissionsBoundaryArn, planBoundary);
    assert.equal(recorder.one(ROLE, "eng-apply-role").inputs.permissionsBoundaryArn, applyBoundary);
  });

  it("writes one policy per phase whose text grants that phase's role only", async () => {
    new VaultAwsEngine("eng", vaultAwsEngineArgs(vaultSide({ awsMountPath: "aws-tfc" })));
    await settled();
    const plan = recorder.one(POLICY, "eng-plan-policy");
    assert.equal(plan.inputs.name, "aws-tfc-tfc-plan-creds");
    const text = plan.inputs.policy as string;
    assert.match(text, /path "aws-tfc\/creds\/tfc-plan" \{\n {2}capabilities = \["read"\]\n\}/);
    assert.match(
      text,
      /path "sys\/leases\/revoke\/aws-tfc\/creds\/tfc-plan\/\*" \{\n {2}capabilities = \["update"\]\n {2}denied_parameters = \{\n {4}"lease_id" = \[\]\n {2}\}\n\}/,
    );
    assert.doesNotMatch(text, /tfc-apply/);
    const apply = recorder.one(POLICY, "eng-apply-policy");
    assert.equal(apply.inputs.name, "aws-tfc-tfc-apply-creds");
    assert.doesNotMatch(apply.inputs.policy as string, /tfc-plan/);
  });

  it("exposes mount, role names, policy names and credential types per phase", async () => {
    const engine = new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(vaultSide({ vaultRoleNamePrefix: "net", planCredentialType: "federation_token" })),
    );
    assert.equal(await valueOf(engine.mountPath), "aws");
    assert.deepEqual(
      { plan: await valueOf(engine.roleNames.plan), apply: await valueOf(engine.roleNames.apply) },
      { plan: "net-plan", apply: "net-apply" },
    );
    assert.deepEqual(
      { plan: await valueOf(engine.policyNames.plan), apply: await valueOf(engine.policyNames.apply) },
      { plan: "aws-net-plan-creds", apply: "aws-net-apply-creds" },
    );
    assert.deepEqual(
      {
        plan: await valueOf(engine.credentialTypes.plan),
        apply: await valueOf(engine.credentialTypes.apply),
      },
      { plan: "federation_token", apply: "iam_user" },
    );
  });

  it("keeps the root keys secret from config to the backend's inputs", async () => {
    const side = vaultSide(WITH_ROOT_KEYS.values, WITH_ROOT_KEYS.secrets);
    assert.equal(await outputIsSecret(side.engine.rootKeys!.secretKey), true);
    new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
    await settled();
    const backend = recorder.one(BACKEND, "eng-backend");
    assert.equal(isSecretInput(backend.inputs.accessKey), true);
    assert.equal(isSecretInput(backend.inputs.secretKey), true);
    assert.equal(plain(backend.inputs.secretKey), ROOT_SECRET_KEY);
  });

  it("marks root keys secret even when a caller passes them as plain strings", async () => {
    const args: VaultAwsEngineArgs = {
      ...vaultAwsEngineArgs(vaultSide()),
      accessKey: "AKIAPLAIN",
      secretKey: "plain-secret",
    };
    new VaultAwsEngine("eng", args);
    await settled();
    const backend = recorder.one(BACKEND, "eng-backend");
    assert.equal(isSecretInput(backend.inputs.accessKey), true);
    assert.equal(isSecretInput(backend.inputs.secretKey), true);
  });

  it("with rotation, mounts a plain mount and leaves config/root to RotateRoot alone (keys secret)", async () => {
    const side = vaultSide(
      { ...WITH_ROOT_KEYS.values, rotateRootKey: true, awsRegion: "eu-west-1" },
      WITH_ROOT_KEYS.secrets,
    );
    new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
    await settled();
    // No aws.SecretBackend: the provider would rewrite config/root with the rotated (deleted) key
    // on any later change of region or endpoint.
    assert.equal(recorder.ofType(BACKEND).length, 0);
    const mount = recorder.one(MOUNT, "eng-mount");
    assert.deepEqual(plain(mount.inputs), {
      path: "aws",
      type: "aws",
      description: "tfc-jit-aws: just-in-time AWS credentials for HCP Terraform runs",
      defaultLeaseTtlSeconds: 300,
      maxLeaseTtlSeconds: 3600,
    });
    const rotate = recorder.one(ROTATE, "eng-rotate-root");
    assert.equal(rotate.inputs.mountPath, "aws");
    assert.equal(rotate.inputs.region, "eu-west-1");
    // The same template as the other path: iam_user names carry the workspace in both modes.
    assert.equal(rotate.inputs.usernameTemplate, IAM_USERNAME_TEMPLATE);
    assert.equal(isSecretInput(rotate.inputs.accessKey), true);
    assert.equal(isSecretInput(rotate.inputs.secretKey), true);
    assert.equal(plain(rotate.inputs.secretKey), ROOT_SECRET_KEY);
    assert.equal(typeof rotate.inputs.__provider, "string");
    assert.doesNotMatch(rotate.inputs.__provider as string, new RegExp(ROOT_SECRET_KEY));
    assert.equal(recorder.one(ROLE, "eng-plan-role").inputs.backend, "aws");
  });

  it("refuses combinations that cannot work, before creating anything", () => {
    const base = vaultAwsEngineArgs(vaultSide());
    assert.throws(() => checkEngineArgs({ ...base, rotateRootKey: true }), /rotateRootKey needs root keys/);
    assert.throws(
      () =>
        checkEngineArgs({
          ...base,
          accessKey: "a",
          secretKey: "s",
          rotateRootKey: true,
          manageEngineIdentity: true,
        }),
      /exclusive/,
    );
    assert.throws(
      () => checkEngineArgs({ ...base, rotateRootKey: true, manageEngineIdentity: true }),
      /rotateRootKey cannot rotate a Pulumi-managed key/,
    );
    assert.throws(() => checkEngineArgs({ ...base, accessKey: "a" }), /accessKey and secretKey go together/);
    assert.throws(
      () => new VaultAwsEngine("bad", { ...base, rotateRootKey: true }),
      /rotateRootKey needs root keys/,
    );
  });

  it("creates exactly the backend, two roles and two policies, and no rotation by default", async () => {
    const engine = new VaultAwsEngine("eng", vaultAwsEngineArgs(vaultSide()));
    await settled();
    const urn = await valueOf(engine.urn);
    assert.match(urn, /tfc-jit-aws:vault:VaultAwsEngine::eng$/);
    const children = recorder.resources
      .filter((r) => r.custom)
      .map((r) => r.name)
      .sort();
    assert.deepEqual(children, [
      "eng-apply-policy",
      "eng-apply-role",
      "eng-backend",
      "eng-plan-policy",
      "eng-plan-role",
    ]);
    assert.ok(pulumi.Output.isInstance(engine.mountPath));
  });
});

describe("VaultAwsEngine resource options", () => {
  before(installMocks);
  beforeEach(() => recorder.reset());

  /** Resource options of each child, seen through a transformation on the component. */
  function optionsOf(args: VaultAwsEngineArgs): Map<string, pulumi.CustomResourceOptions> {
    const seen = new Map<string, pulumi.CustomResourceOptions>();
    new VaultAwsEngine("eng", args, {
      transformations: [
        (a) => {
          seen.set(a.name, a.opts);
          return undefined;
        },
      ],
    });
    return seen;
  }

  it("with rotation, RotateRoot runs after the mount and nothing else writes the root config", () => {
    const side = vaultSide({ ...WITH_ROOT_KEYS.values, rotateRootKey: true }, WITH_ROOT_KEYS.secrets);
    const opts = optionsOf(vaultAwsEngineArgs(side));
    assert.equal(opts.has("eng-backend"), false);
    const dependsOn = opts.get("eng-rotate-root")?.dependsOn as pulumi.Resource[];
    assert.equal(dependsOn.length, 1);
    assert.ok(dependsOn[0] instanceof vault.Mount);
  });

  it("without rotation, lets root-key changes through", () => {
    const side = vaultSide(WITH_ROOT_KEYS.values, WITH_ROOT_KEYS.secrets);
    const opts = optionsOf(vaultAwsEngineArgs(side));
    assert.equal(opts.get("eng-backend")?.ignoreChanges, undefined);
    assert.equal(opts.has("eng-rotate-root"), false);
  });
});
