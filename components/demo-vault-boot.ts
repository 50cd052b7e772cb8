/**
 * What the demo Vault's instance runs, as plain text from plain values (pure, unit-tested): the
 * Vault server configuration (integrated raft storage on the encrypted data volume, TLS listener,
 * AWS KMS auto-unseal) and the cloud-init user data that mounts the volume and runs the official
 * image, by digest, under systemd.
 *
 * No secret is in either: the TLS private key is fetched at every start from an SSM SecureString
 * (encrypted with the unseal key) into /run, which is memory, never the disk. User data is
 * readable to anyone with ec2:DescribeInstanceAttribute, so it must stay that way.
 */

/** Where things live on the instance and in the container. */
export const DEMO_VAULT_PATHS = {
  /** The data volume's mount point on the host; the container's /vault/file. */
  hostData: "/opt/vault",
  /** Audit log, on the encrypted data volume (container path). */
  auditFile: "/vault/file/audit/audit.log",
  port: 8200,
} as const;

export interface VaultServerSettings {
  readonly privateIp: string;
  readonly region: string;
  readonly kmsKeyId: string;
}

/** Vault's server configuration (HCL). */
export function vaultServerConfig(s: VaultServerSettings): string {
  return [
    "ui = false",
    // No swap on the instance and the container has no IPC_LOCK: mlock is not needed for raft.
    "disable_mlock = true",
    `api_addr = "https://${s.privateIp}:${DEMO_VAULT_PATHS.port}"`,
    `cluster_addr = "https://${s.privateIp}:8201"`,
    'storage "raft" {',
    '  path    = "/vault/file/data"',
    '  node_id = "demo-vault"',
    "}",
    'listener "tcp" {',
    `  address         = "0.0.0.0:${DEMO_VAULT_PATHS.port}"`,
    `  cluster_address = "${s.privateIp}:8201"`,
    '  tls_cert_file   = "/vault/tls/cert.pem"',
    '  tls_key_file    = "/vault/tls/key.pem"',
    '  tls_min_version = "tls12"',
    "}",
    'seal "awskms" {',
    `  region     = "${s.region}"`,
    `  kms_key_id = "${s.kmsKeyId}"`,
    "}",
    "",
  ].join("\n");
}

export interface UserDataSettings extends VaultServerSettings {
  /** `hashicorp/vault@sha256:<hex>`. */
  readonly image: string;
  /** The data volume's id (the NVMe device is found by it). */
  readonly volumeId: string;
  /** The server certificate chain (public). */
  readonly certPem: string;
  /** Name of the SSM SecureString holding the TLS private key. */
  readonly tlsKeyParameter: string;
}

/** cloud-init user data (a shell script run once, at first boot). */
export function demoVaultUserData(s: UserDataSettings): string {
  const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${s.volumeId.replace("-", "")}`;
  const data = DEMO_VAULT_PATHS.hostData;
  return `#!/bin/bash
# tfc-jit-aws demo Vault (docs/demo-vault.md). No secret in this script.
set -euo pipefail
dnf install -y docker
systemctl enable --now docker

# Integrated storage and the audit log on the encrypted data volume.
until [ -e ${device} ]; do sleep 2; done
blkid ${device} >/dev/null || mkfs.xfs ${device}
mkdir -p ${data}
grep -q ' ${data} ' /etc/fstab || echo "${device} ${data} xfs defaults,nofail 0 2" >> /etc/fstab
mount -a
mkdir -p ${data}/data ${data}/audit
chown -R 100:1000 ${data}

mkdir -p /etc/vault.d
cat > /etc/vault.d/vault.hcl <<'VAULTCONFIG'
${vaultServerConfig(s)}VAULTCONFIG
cat > /etc/vault.d/cert.pem <<'VAULTCERT'
${s.certPem.trim()}
VAULTCERT

# The TLS key goes to /run (memory) at every start, never to the disk.
cat > /usr/local/bin/vault-demo-tls <<'VAULTTLS'
#!/bin/bash
set -euo pipefail
install -d -m 0700 -o 100 -g 1000 /run/vault-tls
install -m 0644 /etc/vault.d/cert.pem /run/vault-tls/cert.pem
umask 077
aws ssm get-parameter --region ${s.region} --with-decryption --name ${s.tlsKeyParameter} --query Parameter.Value --output text > /run/vault-tls/key.pem
chown 100:1000 /run/vault-tls/key.pem
VAULTTLS
chmod 0755 /usr/local/bin/vault-demo-tls

cat > /etc/systemd/system/vault-demo.service <<'VAULTUNIT'
[Unit]
Description=tfc-jit-aws demo Vault
After=docker.service network-online.target
Requires=docker.service

[Service]
ExecStartPre=/usr/local/bin/vault-demo-tls
ExecStartPre=-/usr/bin/docker rm -f vault
ExecStart=/usr/bin/docker run --name vault --network host -e SKIP_CHOWN=true -e SKIP_SETCAP=true -v ${data}:/vault/file -v /run/vault-tls:/vault/tls:ro -v /etc/vault.d/vault.hcl:/vault/config/vault.hcl:ro ${s.image} server
ExecStop=/usr/bin/docker stop vault
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
VAULTUNIT
systemctl daemon-reload
systemctl enable --now vault-demo.service
`;
}
