/**
 * Mock outputs for the demo Vault's resources (TLS material, KMS key, network interface and
 * address, VaultInit's token and recovery keys) and the data sources it reads, and the values
 * tests assert against. Use after useAgentMocks().
 */
import { recorder } from "../support/pulumi-mocks";

export const D = {
  component: "tfc-jit-aws:vault:DemoVault",
  key: "aws:kms/key:Key",
  eni: "aws:ec2/networkInterface:NetworkInterface",
  eip: "aws:ec2/eip:Eip",
  volume: "aws:ebs/volume:Volume",
  instance: "aws:ec2/instance:Instance",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  init: "pulumi-nodejs:dynamic/vault:VaultInit",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  vaultProvider: "pulumi:providers:vault",
  privateKey: "tls:index/privateKey:PrivateKey",
  selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
  signed: "tls:index/locallySignedCert:LocallySignedCert",
  certRequest: "tls:index/certRequest:CertRequest",
} as const;

export const IMAGE = `hashicorp/vault@sha256:${"ab".repeat(32)}`;
export const OPERATOR = ["203.0.113.7/32"];
export const CA_PEM = "-----BEGIN CERTIFICATE-----\nDEMOCA\n-----END CERTIFICATE-----\n";
export const SERVER_PEM = "-----BEGIN CERTIFICATE-----\nDEMOSERVER\n-----END CERTIFICATE-----\n";
export const PRIVATE_KEY =
  "-----BEGIN EC PRIVATE KEY-----\nnever-in-plaintext\n-----END EC PRIVATE KEY-----\n";
export const TOKEN = "hvs.demo-scoped-token-never-in-plaintext";
export const RECOVERY = ["recovery-key-never-in-plaintext"];
export const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/demo-key";

export const DEMO_OVERRIDES = {
  vaultMode: "demo",
  vaultAddress: null,
  demoVaultImage: IMAGE,
  demoVaultOperatorCidrs: OPERATOR,
} as const;

function registerDemoMocks(): void {
  recorder.outputs.set(D.privateKey, () => ({ privateKeyPem: PRIVATE_KEY }));
  recorder.outputs.set(D.selfSigned, () => ({ certPem: CA_PEM }));
  recorder.outputs.set(D.certRequest, () => ({ certRequestPem: "CSR" }));
  recorder.outputs.set(D.signed, () => ({ certPem: SERVER_PEM }));
  recorder.outputs.set(D.key, () => ({ arn: KEY_ARN, keyId: "demo-key" }));
  recorder.outputs.set(D.eni, () => ({ privateIp: "10.42.0.10" }));
  recorder.outputs.set(D.eip, () => ({ publicIp: "198.51.100.20" }));
  recorder.outputs.set(D.profile, (args) => ({ name: args.name }));
  recorder.outputs.set(D.init, () => ({ token: TOKEN, tokenAccessor: "accessor", recoveryKeys: RECOVERY }));
  recorder.invokes.set("aws:ec2/getSubnet:getSubnet", () => ({ availabilityZone: "us-east-1a" }));
  recorder.invokes.set("aws:ec2/getAmi:getAmi", () => ({ id: "ami-0123456789abcdef0" }));
}

/** Mocha hooks: the demo Vault's mocks before each test, removed after the suite. */
export function useDemoVaultMocks(): void {
  beforeEach(registerDemoMocks);
  after(() => {
    for (const type of Object.values(D)) recorder.outputs.delete(type);
    recorder.invokes.delete("aws:ec2/getSubnet:getSubnet");
    recorder.invokes.delete("aws:ec2/getAmi:getAmi");
  });
}
