import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
// program.ts only defines a function (nothing registers at import), so a static import is safe
// before the mocks are installed.
import { consumerProgram } from "../../consumer/program";
import type { ConsumerSettings } from "../../consumer/settings";
import {
  installMocks,
  isSecretInput,
  outputIsSecret,
  plain,
  recorder,
  settled,
  valueOf,
} from "../support/pulumi-mocks";

const GET_CREDS = "vault:aws/getAccessCredentials:getAccessCredentials";
const SECRET_KEY = "wJalrXUtnFEMI/consumer-test-not-real";
const SESSION_TOKEN = "FwoGZXIvYXdzconsumer-test-not-real";

const SETTINGS: ConsumerSettings = {
  producerStack: "acme/tfc-jit-aws/dev",
  mountPathOutput: "vaultAwsMountPath",
  roleNameOutput: "vaultAwsRoles.apply",
  credentialType: "creds",
  awsRegion: "eu-west-1",
  namePrefix: "consumer",
};

function mockProducer(outputs: Record<string, unknown>): void {
  recorder.outputs.set("pulumi:pulumi:StackReference", () => ({ outputs, secretOutputNames: [] }));
}

function mockVault(securityToken: string | null): void {
  recorder.invokes.set(GET_CREDS, (args) => {
    const { backend, role, type } = args.inputs as Record<string, string>;
    return {
      accessKey: "AKIACONSUMERTEST0001",
      secretKey: SECRET_KEY,
      securityToken,
      leaseId: `${backend}/creds/${role}/abc123`,
      leaseDuration: 1800,
      leaseRenewable: true,
      backend,
      role,
      type,
    };
  });
}

async function run(settings: ConsumerSettings = SETTINGS) {
  const outputs = consumerProgram(settings);
  const values = {
    groupName: await valueOf(outputs.groupName),
    userName: await valueOf(outputs.userName),
    leaseId: await valueOf(outputs.leaseId),
  };
  await settled();
  return { outputs, values };
}

describe("consumer stack under mocks", () => {
  before(installMocks);
  beforeEach(() => {
    recorder.reset();
    recorder.outputs.set("random:index/randomString:RandomString", () => ({ result: "k3x9qz" }));
    mockProducer({ vaultAwsMountPath: "aws", vaultAwsRoles: { plan: "tfc-plan", apply: "tfc-apply" } });
    mockVault(null);
  });
  after(() => {
    recorder.outputs.clear();
    recorder.invokes.clear();
  });

  it("reads the producer stack named in config", async () => {
    await run();
    assert.deepEqual(plain(recorder.one("pulumi:pulumi:StackReference").inputs.name), "acme/tfc-jit-aws/dev");
  });

  it("asks Vault for credentials of the producer's mount and role, with the configured type and region", async () => {
    await run();
    const call = recorder.calls.find((c) => c.token === GET_CREDS);
    assert.ok(call, "no getAccessCredentials invoke");
    assert.deepEqual(plain(call.inputs), {
      backend: "aws",
      role: "tfc-apply",
      type: "creds",
      region: "eu-west-1",
    });
  });

  it("passes STS settings through when configured", async () => {
    await run({
      ...SETTINGS,
      credentialType: "sts",
      stsTtl: "15m",
      roleArn: "arn:aws:iam::123456789012:role/tfc-apply",
    });
    const call = recorder.calls.find((c) => c.token === GET_CREDS);
    assert.deepEqual(plain(call?.inputs), {
      backend: "aws",
      role: "tfc-apply",
      type: "sts",
      region: "eu-west-1",
      roleArn: "arn:aws:iam::123456789012:role/tfc-apply",
      ttl: "15m",
    });
  });

  it("hands the credentials to an explicit aws provider as secrets", async () => {
    mockVault(SESSION_TOKEN);
    await run();
    const provider = recorder.one("pulumi:providers:aws", "consumer-aws");
    for (const key of ["accessKey", "secretKey", "token"]) {
      assert.ok(isSecretInput(provider.inputs[key]), `${key} reached the provider in plaintext`);
    }
    assert.deepEqual(plain(provider.inputs.secretKey), SECRET_KEY);
    assert.deepEqual(plain(provider.inputs.token), SESSION_TOKEN);
    assert.equal(plain(provider.inputs.region), "eu-west-1");
  });

  it("sends no session token for iam_user credentials", async () => {
    await run();
    const provider = recorder.one("pulumi:providers:aws", "consumer-aws");
    // undefined inside a secret travels as null: the provider sees no token either way.
    assert.equal(plain(provider.inputs.token) ?? undefined, undefined);
  });

  it("creates the IAM group and user through that provider, named with the random suffix", async () => {
    const { values } = await run();
    const group = recorder.one("aws:iam/group:Group");
    const user = recorder.one("aws:iam/user:User");
    const membership = recorder.one("aws:iam/userGroupMembership:UserGroupMembership");
    assert.equal(plain(group.inputs.name), "consumer-group-k3x9qz");
    assert.equal(plain(user.inputs.name), "consumer-user-k3x9qz");
    assert.deepEqual(plain(membership.inputs.groups), ["consumer-group-k3x9qz"]);
    assert.equal(values.groupName, "consumer-group-k3x9qz");
    assert.equal(values.userName, "consumer-user-k3x9qz");
    for (const r of [group, user, membership]) {
      assert.match(
        r.provider ?? "",
        /::pulumi:providers:aws::consumer-aws::/,
        `${r.name} not created by consumer-aws`,
      );
    }
    const suffix = recorder.one("random:index/randomString:RandomString");
    assert.deepEqual(plain(suffix.inputs), { length: 6, special: false, upper: false });
  });

  it("exports no credential: outputs are names and the lease id only", async () => {
    mockVault(SESSION_TOKEN);
    const { outputs, values } = await run();
    assert.deepEqual(Object.keys(outputs).sort(), ["groupName", "leaseId", "userName"]);
    assert.equal(values.leaseId, "aws/creds/tfc-apply/abc123");
    const text = JSON.stringify(values);
    assert.ok(!text.includes(SECRET_KEY) && !text.includes(SESSION_TOKEN));
    assert.equal(await outputIsSecret(outputs.groupName as pulumi.Output<unknown>), false);
  });

  it("fails naming the producer output when it is empty", async () => {
    mockProducer({ vaultAwsMountPath: "aws", vaultAwsRoles: { plan: "tfc-plan", apply: "" } });
    // The SDK also logs the failed invoke as an error, with a stack trace; with no engine under
    // mocks that goes to console.error. Captured, so the test run stays quiet.
    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    try {
      const outputs = consumerProgram(SETTINGS);
      // Output.promise() is the SDK's internal view of the eventual value, rejections included.
      const lease = (outputs.leaseId as unknown as { promise(): Promise<string> }).promise();
      await assert.rejects(
        lease,
        /producer stack acme\/tfc-jit-aws\/dev output "vaultAwsRoles.apply" is not a non-empty string: run pulumi up on the producer/,
      );
    } finally {
      console.error = consoleError;
    }
    // Only that error was hidden: anything else logged meanwhile fails the test.
    for (const line of logged) assert.match(line, /output "vaultAwsRoles.apply" is not a non-empty string/);
  });
});
