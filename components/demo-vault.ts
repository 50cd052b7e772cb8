/**
 * DemoVault (`vaultMode: demo`): a single-node Vault in the agents' VPC, so a first run needs no
 * Vault of your own. One EC2 instance (why EC2, not Fargate: docs/demo-vault.md) runs the official
 * image by digest with integrated raft storage on a separate, KMS-encrypted EBS volume, auto-unseals
 * with a KMS key created here (the instance role may only Encrypt/Decrypt/DescribeKey with it, and
 * read its own TLS key), serves TLS from a CA the program generates, and accepts port 8200 only from
 * the agents' security group and the operator's CIDRs. Outbound it needs 443 only (HCP Terraform's
 * JWKS, KMS, SSM, IAM/STS, the image registry and packages).
 *
 * VaultInit (providers/vault/vault-init.ts) then initializes it, enables the file audit device on the
 * data volume, and hands back a scoped token; the rest of the program configures this Vault exactly
 * as an external one, through a `vault.Provider` built from these outputs (stack.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DEMO_VAULT_PATHS, demoVaultUserData } from "./demo-vault-boot";
import { createDemoVaultTls } from "./demo-vault-tls";
import { VaultInit } from "../providers/vault/vault-init";

export interface DemoVaultArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The subnet the node's network interface lives in (one of the agents' public subnets). */
  readonly subnetId: pulumi.Input<string>;
  /** The agents' security group: the only in-VPC source allowed to reach Vault. */
  readonly agentSecurityGroupId: pulumi.Input<string>;
  /** Where the operator (Pulumi) reaches Vault from. */
  readonly operatorCidrs: readonly string[];
  /** `hashicorp/vault@sha256:<hex>`. */
  readonly image: string;
  readonly instanceType: string;
  /** The Vault policy Pulumi's token gets (permissions/pulumi-vault-policy.hcl, names applied). */
  readonly pulumiPolicyHcl: pulumi.Input<string>;
}

const EC2_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** The instance role's only permissions: unseal with this key, read this TLS key. */
export function demoVaultInstancePolicy(p: { kmsKeyArn: string; tlsKeyParameterArn: string }): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AutoUnseal",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
        Resource: [p.kmsKeyArn],
      },
      { Sid: "ReadTlsKey", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [p.tlsKeyParameterArn] },
    ],
  });
}

export class DemoVault extends pulumi.ComponentResource {
  /** `https://<private ip>:8200`: what the agents use (TFC_VAULT_ADDR). */
  public readonly agentAddress: pulumi.Output<string>;
  /** `https://<public ip>:8200`: what Pulumi uses, from demoVaultOperatorCidrs only. */
  public readonly operatorAddress: pulumi.Output<string>;
  /** PEM of the CA the node's certificate is signed by. */
  public readonly caCertPem: pulumi.Output<string>;
  /** The scoped Pulumi token (secret). */
  public readonly token: pulumi.Output<string>;
  /** Recovery keys (secret). */
  public readonly recoveryKeys: pulumi.Output<string[]>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly instanceId: pulumi.Output<string>;

  constructor(name: string, args: DemoVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:vault:DemoVault", name, {}, opts);
    const child = { parent: this };
    const region = aws.getRegionOutput({}, child).region;

    const key = new aws.kms.Key(
      `${name}-unseal`,
      {
        description: "tfc-jit-aws demo Vault: auto-unseal and its TLS key",
        enableKeyRotation: true,
        // The shortest wait AWS allows after `pulumi destroy`: the demo's data goes with the key.
        deletionWindowInDays: 7,
      },
      child,
    );

    // Rules as separate resources (no inline rules): the agents' rule waits for VaultInit below,
    // so code a run executes on an agent cannot reach the node before it is initialized (and
    // initialize it first). Until then only the operator's CIDRs can.
    const group = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "tfc-jit-aws demo Vault: 8200 from the agents and the operator only",
      },
      child,
    );
    const port = { ipProtocol: "tcp", fromPort: DEMO_VAULT_PATHS.port, toPort: DEMO_VAULT_PATHS.port };
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-out`,
      {
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
        description: "HTTPS: HCP Terraform JWKS, KMS, SSM, IAM/STS, image registry, packages",
      },
      child,
    );
    args.operatorCidrs.forEach(
      (cidr, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-operator-${i}`,
          { securityGroupId: group.id, ...port, cidrIpv4: cidr, description: "operator (pulumi)" },
          child,
        ),
    );

    // The interface and its public address exist before the instance, so the certificate can name them.
    const eni = new aws.ec2.NetworkInterface(
      `${name}-eni`,
      { subnetId: args.subnetId, securityGroups: [group.id], description: "tfc-jit-aws demo Vault" },
      child,
    );
    const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", networkInterface: eni.id }, child);
    const tlsMaterial = createDemoVaultTls(name, { privateIp: eni.privateIp, publicIp: eip.publicIp }, this);

    const tlsKey = new aws.ssm.Parameter(
      `${name}-tls-key`,
      {
        type: "SecureString",
        keyId: key.arn,
        description: "tfc-jit-aws demo Vault TLS private key",
        value: tlsMaterial.serverKeyPem,
      },
      child,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: EC2_TRUST, description: "tfc-jit-aws demo Vault: KMS unseal and its TLS key only" },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .all([key.arn, tlsKey.arn])
          .apply(([kmsKeyArn, tlsKeyParameterArn]) =>
            demoVaultInstancePolicy({ kmsKeyArn, tlsKeyParameterArn }),
          ),
      },
      child,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, child);

    const subnet = aws.ec2.getSubnetOutput({ id: args.subnetId }, child);
    const volume = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: subnet.availabilityZone,
        size: 10,
        type: "gp3",
        encrypted: true,
        kmsKeyId: key.arn,
        tags: { Name: `${name}-data` },
      },
      // The raft data and audit log: replacing the instance keeps them.
      child,
    );

    const ami = aws.ec2.getAmiOutput(
      {
        owners: ["amazon"],
        mostRecent: true,
        filters: [
          { name: "name", values: ["al2023-ami-2023.*-x86_64"] },
          { name: "architecture", values: ["x86_64"] },
        ],
      },
      child,
    );

    const userData = pulumi
      .all([eni.privateIp, region, key.keyId, volume.id, tlsMaterial.serverCertPem, tlsKey.name])
      .apply(([privateIp, awsRegion, kmsKeyId, volumeId, certPem, tlsKeyParameter]) =>
        demoVaultUserData({
          privateIp,
          region: awsRegion,
          kmsKeyId,
          image: args.image,
          volumeId,
          certPem,
          tlsKeyParameter,
        }),
      );

    const instance = new aws.ec2.Instance(
      `${name}-node`,
      {
        ami: ami.id,
        instanceType: args.instanceType,
        iamInstanceProfile: profile.name,
        primaryNetworkInterface: { networkInterfaceId: eni.id, deleteOnTermination: false },
        userData,
        userDataReplaceOnChange: true,
        // IMDSv2 only, one hop: the container (host network) reaches it, nothing further.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, kmsKeyId: key.arn, volumeSize: 20, volumeType: "gp3" },
        tags: { Name: `${name}-node` },
      },
      // A newer Amazon Linux image alone is no reason to replace the node.
      { parent: this, ignoreChanges: ["ami"] },
    );
    const attachment = new aws.ec2.VolumeAttachment(
      `${name}-data`,
      { instanceId: instance.id, volumeId: volume.id, deviceName: "/dev/sdf" },
      child,
    );

    this.agentAddress = pulumi.interpolate`https://${eni.privateIp}:${DEMO_VAULT_PATHS.port}`;
    this.operatorAddress = pulumi.interpolate`https://${eip.publicIp}:${DEMO_VAULT_PATHS.port}`;
    this.caCertPem = tlsMaterial.caCertPem;

    const init = new VaultInit(
      `${name}-init`,
      {
        address: this.operatorAddress,
        caCertPem: this.caCertPem,
        policyName: "tfc-jit-aws-pulumi",
        policyHcl: args.pulumiPolicyHcl,
        auditPath: "file",
        auditFilePath: DEMO_VAULT_PATHS.auditFile,
      },
      { parent: this, dependsOn: [instance, attachment] },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-agents`,
      {
        securityGroupId: group.id,
        ...port,
        referencedSecurityGroupId: args.agentSecurityGroupId,
        description: "tfc-agent hooks",
      },
      { parent: this, dependsOn: [init] },
    );
    this.token = pulumi.secret(init.token);
    this.recoveryKeys = pulumi.secret(init.recoveryKeys);
    this.securityGroupId = group.id;
    this.instanceId = instance.id;
    this.registerOutputs({
      agentAddress: this.agentAddress,
      operatorAddress: this.operatorAddress,
      caCertPem: this.caCertPem,
      securityGroupId: this.securityGroupId,
    });
  }
}
