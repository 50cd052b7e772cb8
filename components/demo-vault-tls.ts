/**
 * The demo Vault's TLS: a CA the program generates (its certificate is what the hooks trust, as
 * TFC_VAULT_ENCODED_CACERT, and what Pulumi's Vault provider trusts) and a server certificate for
 * the node's private and public addresses. Private keys live only in Pulumi state, as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface DemoVaultTls {
  readonly caCertPem: pulumi.Output<string>;
  readonly serverCertPem: pulumi.Output<string>;
  /** Secret. */
  readonly serverKeyPem: pulumi.Output<string>;
}

const YEAR_HOURS = 365 * 24;

export function createDemoVaultTls(
  name: string,
  addresses: { readonly privateIp: pulumi.Input<string>; readonly publicIp: pulumi.Input<string> },
  parent: pulumi.Resource,
): DemoVaultTls {
  const child = { parent };
  const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
  const ca = new tls.SelfSignedCert(
    `${name}-ca`,
    {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 5 * YEAR_HOURS,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: "tfc-jit-aws demo Vault CA" },
    },
    child,
  );
  const serverKey = new tls.PrivateKey(`${name}-server`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
  const request = new tls.CertRequest(
    `${name}-server`,
    {
      privateKeyPem: serverKey.privateKeyPem,
      subject: { commonName: "tfc-jit-aws demo Vault" },
      ipAddresses: [addresses.privateIp, addresses.publicIp, "127.0.0.1"],
      dnsNames: ["localhost"],
    },
    child,
  );
  const server = new tls.LocallySignedCert(
    `${name}-server`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: YEAR_HOURS,
      // Renewed by `pulumi up` in the last 30 days (the instance picks it up on replacement).
      earlyRenewalHours: 30 * 24,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    },
    child,
  );
  return {
    caCertPem: ca.certPem,
    serverCertPem: server.certPem,
    serverKeyPem: pulumi.secret(serverKey.privateKeyPem),
  };
}
