/**
 * `vaultMode` and the demo Vault's keys are validated before any resource registers: each problem
 * names the key and the fix, and the combinations the demo Vault cannot serve are refused.
 */
import { strict as assert } from "node:assert";
import { ConfigErrors } from "../../config/errors";
import { readStackConfig } from "../../config";
import { devSource } from "../program/dev-stack";

const DIGEST_IMAGE = `hashicorp/vault@sha256:${"ab".repeat(32)}`;
const DEMO = {
  vaultMode: "demo",
  vaultAddress: null,
  demoVaultImage: DIGEST_IMAGE,
  demoVaultOperatorCidrs: ["203.0.113.7/32"],
} as const;

function problems(overrides: Record<string, unknown>, secrets?: Record<string, string>): string[] {
  try {
    readStackConfig(devSource({ ...DEMO, ...overrides }, secrets));
    return [];
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => e.message);
    throw err;
  }
}

const CASES: {
  what: string;
  change: Record<string, unknown>;
  secrets?: Record<string, string>;
  expect: RegExp;
}[] = [
  {
    what: "an unknown mode",
    change: { vaultMode: "dev" },
    expect:
      /^tfc-jit-aws:vaultMode: must be one of external, demo, got "dev"\. Fix: pulumi config set tfc-jit-aws:vaultMode external$/,
  },
  {
    what: "no image",
    change: { demoVaultImage: null },
    expect:
      /^tfc-jit-aws:demoVaultImage: is required with vaultMode demo.*Fix: docker buildx imagetools inspect hashicorp\/vault:<version>.*pulumi config set tfc-jit-aws:demoVaultImage hashicorp\/vault@sha256:<digest>$/,
  },
  {
    what: "an image by tag",
    change: { demoVaultImage: "hashicorp/vault:1.20" },
    expect: /^tfc-jit-aws:demoVaultImage: "hashicorp\/vault:1\.20" is not the official image by digest/,
  },
  {
    what: "another repository's image",
    change: { demoVaultImage: `example/vault@sha256:${"ab".repeat(32)}` },
    expect: /^tfc-jit-aws:demoVaultImage: .* is not the official image by digest/,
  },
  {
    what: "no operator CIDRs",
    change: { demoVaultOperatorCidrs: null },
    expect:
      /^tfc-jit-aws:demoVaultOperatorCidrs: is empty, but Pulumi must reach the demo Vault.*Fix: set tfc-jit-aws:demoVaultOperatorCidrs/,
  },
  {
    what: "a CIDR that is not one",
    change: { demoVaultOperatorCidrs: ["203.0.113.7"] },
    expect: /^tfc-jit-aws:demoVaultOperatorCidrs: "203\.0\.113\.7" is not an IPv4 CIDR/,
  },
  {
    what: "the whole internet",
    change: { demoVaultOperatorCidrs: ["0.0.0.0/0"] },
    expect: /^tfc-jit-aws:demoVaultOperatorCidrs: opens Vault to a large part of the internet/,
  },
  {
    what: "the docker runtime",
    change: { agentRuntime: "docker" },
    expect: /^tfc-jit-aws:agentRuntime: is docker, but the demo Vault runs in the ECS agents' VPC/,
  },
  {
    what: "an existing VPC",
    change: { agentVpcId: "vpc-0123456789abcdef0", agentSubnetIds: ["subnet-0123456789abcdef0"] },
    expect: /^tfc-jit-aws:agentVpcId: is set, but the demo Vault needs the VPC the program creates/,
  },
  {
    what: "an external Vault address as well",
    change: { vaultAddress: "https://vault.example.com:8200" },
    expect:
      /^tfc-jit-aws:vaultAddress: is set, but with tfc-jit-aws:vaultMode demo.*Fix: pulumi config rm tfc-jit-aws:vaultAddress$/,
  },
  {
    what: "no engine identity (the node's role may only unseal)",
    secrets: {},
    change: {},
    expect:
      /^tfc-jit-aws:manageEngineIdentity: is false and no root keys are set, but with tfc-jit-aws:vaultMode demo the node's role has no IAM permissions/,
  },
  {
    what: "root-key rotation",
    change: { rotateRootKey: true },
    expect: /^tfc-jit-aws:rotateRootKey: is true, but with tfc-jit-aws:vaultMode demo/,
  },
  {
    what: "a bad instance type",
    change: { demoVaultInstanceType: "large" },
    expect: /^tfc-jit-aws:demoVaultInstanceType: "large" is not an EC2 instance type/,
  },
];

describe("config: vaultMode and the demo Vault", () => {
  it("accepts the demo mode with an image by digest and the operator's CIDR, and needs no vaultAddress", () => {
    assert.deepEqual(problems({}), []);
    const config = readStackConfig(devSource(DEMO));
    assert.deepEqual(config.demoVault, {
      image: DIGEST_IMAGE,
      operatorCidrs: ["203.0.113.7/32"],
      instanceType: "t3.small",
    });
  });

  it("accepts the README's engine identity settings (users under /tfc/ with the shipped boundary)", () => {
    const boundary = "arn:aws:iam::111122223333:policy/tfc-boundary";
    const settings = {
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      planPermissionsBoundaryArn: boundary,
      applyPermissionsBoundaryArn: boundary,
    };
    assert.deepEqual(problems(settings), []);
    assert.deepEqual(problems({ ...settings, manageEngineIdentity: true }, {}), []);
  });

  it("external stays the default and still requires vaultAddress", () => {
    const config = readStackConfig(devSource());
    assert.equal(config.demoVault, undefined);
    assert.match(
      problems({ vaultMode: null, vaultAddress: null }).join("\n"),
      /tfc-jit-aws:vaultAddress: is required/,
    );
  });

  for (const { what, change, secrets, expect } of CASES) {
    it(`refuses ${what}, naming the key and the fix`, () => {
      const found = problems(change, secrets);
      assert.ok(
        found.some((p) => expect.test(p)),
        `expected ${String(expect)} among:\n${found.join("\n")}`,
      );
    });
  }
});
