/**
 * The consumer program (the producer/consumer workflow): read the producer stack's Vault AWS
 * engine mount and role, ask Vault for short-lived AWS credentials, and use them, as secrets,
 * in an explicit `aws.Provider` that creates an IAM group and a user in it.
 *
 * The credentials never become stack outputs and reach the provider only as secret Outputs, so
 * state stores them encrypted. Each `pulumi up` reads a fresh lease; for `iam_user` the Vault
 * provider waits until the new key works before returning it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import type { ConsumerSettings } from "./settings";

export interface ConsumerOutputs {
  readonly groupName: pulumi.Output<string>;
  readonly userName: pulumi.Output<string>;
  /** The Vault lease the credentials came from (not secret: it cannot be used without a token). */
  readonly leaseId: pulumi.Output<string>;
}

/**
 * A producer output (`name`, or `name.key...` into an object output) that must be a non-empty
 * string; otherwise the update fails naming the output path.
 */
function requireText(
  producer: pulumi.StackReference,
  outputPath: string,
  stack: string,
): pulumi.Output<string> {
  const [name, ...keys] = outputPath.split(".");
  return producer.requireOutput(name ?? outputPath).apply((root: unknown) => {
    let value: unknown = root;
    for (const key of keys) {
      value =
        value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (typeof value !== "string" || value === "") {
      throw new Error(
        `producer stack ${stack} output "${outputPath}" is not a non-empty string: run pulumi up on the producer, or point the consumer at the right output`,
      );
    }
    return value;
  });
}

export function consumerProgram(settings: ConsumerSettings): ConsumerOutputs {
  const producer = new pulumi.StackReference("producer", { name: settings.producerStack });
  const backend = requireText(producer, settings.mountPathOutput, settings.producerStack);
  const role = requireText(producer, settings.roleNameOutput, settings.producerStack);

  const creds = vault.aws.getAccessCredentialsOutput({
    backend,
    role,
    type: settings.credentialType,
    region: settings.awsRegion,
    ...(settings.roleArn !== undefined ? { roleArn: settings.roleArn } : {}),
    ...(settings.stsTtl !== undefined ? { ttl: settings.stsTtl } : {}),
  });

  const provider = new aws.Provider("consumer-aws", {
    region: settings.awsRegion as aws.Region,
    accessKey: pulumi.secret(creds.accessKey),
    secretKey: pulumi.secret(creds.secretKey),
    // iam_user credentials have no session token; sending an empty one would break signing.
    token: pulumi.secret(creds.securityToken.apply((t) => (t ? t : undefined)) as pulumi.Output<string>),
  });

  const suffix = new random.RandomString("name-suffix", { length: 6, special: false, upper: false });
  const group = new aws.iam.Group(
    "consumer-group",
    { name: pulumi.interpolate`${settings.namePrefix}-group-${suffix.result}` },
    { provider },
  );
  const user = new aws.iam.User(
    "consumer-user",
    {
      name: pulumi.interpolate`${settings.namePrefix}-user-${suffix.result}`,
      tags: { "managed-by": "tfc-jit-aws-consumer" },
    },
    { provider },
  );
  new aws.iam.UserGroupMembership(
    "consumer-membership",
    { user: user.name, groups: [group.name] },
    { provider },
  );

  return { groupName: group.name, userName: user.name, leaseId: creds.leaseId };
}
