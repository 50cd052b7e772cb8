/**
 * The `vault.Provider` for the demo Vault: its operator address, the scoped token VaultInit made,
 * and the program's CA. The Vault provider reads a CA only from a file (`caCertFile`), so the CA
 * certificate (public, not a secret) is written to a per-stack file under the OS temp directory;
 * nothing secret is ever written.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { DemoVault } from "./demo-vault";

/** Where the CA certificate goes: one file per project and stack. */
export function demoVaultCaFile(project: string, stack: string): string {
  return path.join(os.tmpdir(), `tfc-jit-aws-${project}-${stack}`, "demo-vault-ca.pem");
}

export function demoVaultProvider(name: string, demo: DemoVault): vault.Provider {
  const file = demoVaultCaFile(pulumi.getProject(), pulumi.getStack());
  const caCertFile = demo.caCertPem.apply((pem) => {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, pem, { mode: 0o644 });
    return file;
  });
  return new vault.Provider(name, {
    address: demo.operatorAddress,
    token: demo.token,
    caCertFile,
    skipTlsVerify: false,
  });
}
