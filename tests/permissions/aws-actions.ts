/**
 * What Pulumi's own AWS identity must be allowed, per resource type the program registers and per
 * data source it reads: the AWS API actions the Terraform AWS provider (under @pulumi/aws) calls
 * to create, read, update and delete each, named as in the AWS Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/). Read from the provider's
 * resource code and the service references, not observed against AWS (README, Limits).
 * permissions/pulumi-aws-policy.json must allow exactly their union.
 */

const TAGS_EC2 = ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags"];

export const AWS_ACTIONS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  // --- network (created VPC; the demo Vault's interface, address, volume and instance) ---
  "aws:ec2/vpc:Vpc": [
    "ec2:CreateVpc",
    "ec2:DeleteVpc",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:ModifyVpcAttribute",
    ...TAGS_EC2,
  ],
  "aws:ec2/internetGateway:InternetGateway": [
    "ec2:CreateInternetGateway",
    "ec2:DeleteInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DescribeInternetGateways",
    ...TAGS_EC2,
  ],
  "aws:ec2/routeTable:RouteTable": [
    "ec2:CreateRouteTable",
    "ec2:DeleteRouteTable",
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:DeleteRoute",
    "ec2:ReplaceRoute",
    ...TAGS_EC2,
  ],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": [
    "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable",
    "ec2:DescribeRouteTables",
  ],
  "aws:ec2/subnet:Subnet": [
    "ec2:CreateSubnet",
    "ec2:DeleteSubnet",
    "ec2:DescribeSubnets",
    "ec2:ModifySubnetAttribute",
    ...TAGS_EC2,
  ],
  "aws:ec2/securityGroup:SecurityGroup": [
    "ec2:CreateSecurityGroup",
    "ec2:DeleteSecurityGroup",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:DescribeNetworkInterfaces",
    ...TAGS_EC2,
  ],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:ModifySecurityGroupRules",
    "ec2:DescribeSecurityGroupRules",
    ...TAGS_EC2,
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:DescribeSecurityGroupRules",
    ...TAGS_EC2,
  ],
  "aws:ec2/networkInterface:NetworkInterface": [
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:ModifyNetworkInterfaceAttribute",
    ...TAGS_EC2,
  ],
  "aws:ec2/eip:Eip": [
    "ec2:AllocateAddress",
    "ec2:ReleaseAddress",
    "ec2:AssociateAddress",
    "ec2:DisassociateAddress",
    "ec2:DescribeAddresses",
    "ec2:DescribeAddressesAttribute",
    ...TAGS_EC2,
  ],
  "aws:ebs/volume:Volume": [
    "ec2:CreateVolume",
    "ec2:DeleteVolume",
    "ec2:DescribeVolumes",
    "ec2:ModifyVolume",
    ...TAGS_EC2,
    // An EBS volume encrypted with a customer managed key: EBS acts with the caller's KMS rights.
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
  ],
  "aws:ec2/instance:Instance": [
    "ec2:RunInstances",
    "ec2:TerminateInstances",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstanceCreditSpecifications",
    "ec2:ModifyInstanceAttribute",
    "ec2:ModifyInstanceMetadataOptions",
    "ec2:DescribeVolumes",
    ...TAGS_EC2,
    "iam:PassRole",
    "kms:CreateGrant",
    "kms:GenerateDataKeyWithoutPlaintext",
  ],
  "aws:ec2/volumeAttachment:VolumeAttachment": [
    "ec2:AttachVolume",
    "ec2:DetachVolume",
    "ec2:DescribeVolumes",
  ],
  "aws:kms/key:Key": [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:ScheduleKeyDeletion",
  ],
  // --- secrets and parameters ---
  "aws:ssm/parameter:Parameter": [
    "ssm:PutParameter",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:DescribeParameters",
    "ssm:DeleteParameter",
    "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource",
    "ssm:ListTagsForResource",
    // A SecureString under a customer managed key (the demo Vault's TLS key).
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
  ],
  "aws:secretsmanager/secret:Secret": [
    "secretsmanager:CreateSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:UpdateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
  ],
  "aws:secretsmanager/secretVersion:SecretVersion": [
    "secretsmanager:PutSecretValue",
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:UpdateSecretVersionStage",
  ],
  // --- IAM: roles of the agents and the demo Vault; the managed engine identity ---
  "aws:iam/role:Role": [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
  ],
  "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  "aws:iam/instanceProfile:InstanceProfile": [
    "iam:CreateInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:PassRole",
  ],
  "aws:iam/user:User": [
    "iam:CreateUser",
    "iam:GetUser",
    "iam:UpdateUser",
    "iam:DeleteUser",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:ListGroupsForUser",
    "iam:ListAttachedUserPolicies",
    "iam:ListUserPolicies",
    "iam:ListAccessKeys",
  ],
  "aws:iam/userPolicy:UserPolicy": ["iam:PutUserPolicy", "iam:GetUserPolicy", "iam:DeleteUserPolicy"],
  "aws:iam/accessKey:AccessKey": [
    "iam:CreateAccessKey",
    "iam:ListAccessKeys",
    "iam:UpdateAccessKey",
    "iam:DeleteAccessKey",
  ],
  // --- the agents: image registry, ECS, logs, scaling ---
  "aws:ecr/repository:Repository": [
    "ecr:CreateRepository",
    "ecr:DescribeRepositories",
    "ecr:DeleteRepository",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:ListTagsForResource",
    "ecr:TagResource",
    "ecr:UntagResource",
  ],
  // The image build pushes to the private ECR repository.
  "docker:index/image:Image": [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
  ],
  "aws:ecs/cluster:Cluster": [
    "ecs:CreateCluster",
    "ecs:DescribeClusters",
    "ecs:UpdateCluster",
    "ecs:DeleteCluster",
    "ecs:TagResource",
    "ecs:UntagResource",
  ],
  "aws:ecs/taskDefinition:TaskDefinition": [
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:TagResource",
    "iam:PassRole",
  ],
  "aws:ecs/service:Service": [
    "ecs:CreateService",
    "ecs:DescribeServices",
    "ecs:UpdateService",
    "ecs:DeleteService",
    "ecs:TagResource",
    "iam:PassRole",
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:ListTagsForResource",
    "logs:TagResource",
    "logs:UntagResource",
  ],
  "aws:appautoscaling/target:Target": [
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:ListTagsForResource",
    "application-autoscaling:TagResource",
    // The first ECS scalable target creates Application Auto Scaling's service-linked role.
    "iam:CreateServiceLinkedRole",
  ],
  "aws:appautoscaling/policy:Policy": [
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DeleteScalingPolicy",
  ],
};

/** Data sources (invokes) the program reads, and what each calls. */
export const AWS_ACTIONS_BY_INVOKE: Readonly<Record<string, readonly string[]>> = {
  "aws:index/getRegion:getRegion": [],
  "aws:index/getPartition:getPartition": [],
  // sts:GetCallerIdentity needs no permission (AWS STS API reference).
  "aws:index/getCallerIdentity:getCallerIdentity": [],
  "aws:index/getAvailabilityZones:getAvailabilityZones": ["ec2:DescribeAvailabilityZones"],
  "aws:ec2/getSubnet:getSubnet": ["ec2:DescribeSubnets"],
  "aws:ec2/getAmi:getAmi": ["ec2:DescribeImages"],
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": ["ecr:GetAuthorizationToken"],
};

/** Registered types that are not AWS resources (no AWS action of Pulumi's identity). */
export const NOT_AWS = [
  /^tfc-jit-aws:/, // components
  /^pulumi-nodejs:dynamic\//, // HCP Terraform and Vault dynamic providers
  /^pulumi:providers:/,
  /^vault:/,
  /^tls:/,
  /^docker:index\/(container|remoteImage):/, // on the Docker host, not in AWS
];
