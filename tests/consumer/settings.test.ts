import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigErrors } from "../../config/errors";
import { memorySource } from "../../config/reader";
import { readConsumerSettings } from "../../consumer/settings";

const read = (values: Record<string, string>) =>
  readConsumerSettings(memorySource(values, (v) => pulumi.secret(v)));

/** The messages of the ConfigErrors thrown for `values`. */
function problems(values: Record<string, string>): string[] {
  try {
    read(values);
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  assert.fail("expected ConfigErrors");
}

describe("consumer settings", () => {
  it("applies the documented defaults", () => {
    assert.deepEqual(read({ producerStack: "acme/tfc-jit-aws/dev" }), {
      producerStack: "acme/tfc-jit-aws/dev",
      mountPathOutput: "vaultAwsMountPath",
      roleNameOutput: "vaultAwsRoles.apply",
      credentialType: "creds",
      awsRegion: "us-east-1",
      namePrefix: "tfc-jit-consumer",
    });
  });
  it("reads STS settings", () => {
    const s = read({
      producerStack: "acme/tfc-jit-aws/dev",
      credentialType: "sts",
      stsTtl: "15m",
      roleArn: "arn:aws:iam::123456789012:role/tfc-apply",
    });
    assert.equal(s.stsTtl, "15m");
    assert.equal(s.roleArn, "arn:aws:iam::123456789012:role/tfc-apply");
  });
  it("requires the producer stack, naming the key and the command", () => {
    assert.deepEqual(problems({}), [
      "tfc-jit-aws-consumer:producerStack: is required but not set. Fix: pulumi config set tfc-jit-aws-consumer:producerStack acme/tfc-jit-aws/dev",
    ]);
  });
  it("refuses a stack name that is not fully qualified", () => {
    assert.match(
      problems({ producerStack: "dev" }).join("\n"),
      /producerStack: "dev" is not a fully qualified stack name/,
    );
  });
  it("refuses an unknown credential type", () => {
    assert.match(
      problems({ producerStack: "a/b/c", credentialType: "iam_user" }).join("\n"),
      /credentialType: must be one of creds, sts, got "iam_user"/,
    );
  });
  it("refuses stsTtl with creds, and a malformed one with sts", () => {
    assert.match(
      problems({ producerStack: "a/b/c", stsTtl: "15m" }).join("\n"),
      /stsTtl: applies only to credentialType "sts"/,
    );
    assert.match(
      problems({ producerStack: "a/b/c", credentialType: "sts", stsTtl: "soon" }).join("\n"),
      /stsTtl: "soon" is not a duration/,
    );
  });
  it("refuses a malformed role ARN, region, output name and name prefix, all at once", () => {
    const found = problems({
      producerStack: "a/b/c",
      roleArn: "tfc-apply",
      awsRegion: "mars",
      roleNameOutput: "role name",
      namePrefix: "has space",
    });
    assert.equal(found.length, 4);
    assert.match(found.join("\n"), /roleArn: "tfc-apply" is not an IAM role ARN/);
    assert.match(found.join("\n"), /awsRegion: "mars" is not an AWS region/);
    assert.match(found.join("\n"), /roleNameOutput: "role name" is not a stack output/);
    assert.match(found.join("\n"), /namePrefix: "has space" is not usable in IAM names/);
  });
});
