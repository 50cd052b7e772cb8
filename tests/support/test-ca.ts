/**
 * A throwaway certificate authority for the doubles' TLS: one CA, and server certificates for
 * 127.0.0.1 / localhost signed by it. Tests hand the CA PEM to the code under test (as
 * TFC_VAULT_ENCODED_CACERT) so TLS is verified for real, never switched off.
 */
import * as selfsigned from "selfsigned";

export interface TestCa {
  /** PEM of the CA certificate (what a client trusts). */
  readonly certPem: string;
  /** `certPem`, base64-encoded as HCP Terraform's TFC_VAULT_ENCODED_CACERT expects. */
  readonly encoded: string;
  /** Issues a server certificate for 127.0.0.1 and localhost, signed by this CA. */
  serverCert(): Promise<{ readonly key: string; readonly cert: string }>;
}

const DAY = 24 * 60 * 60 * 1000;

let shared: Promise<TestCa> | undefined;

/** One CA per test process (key generation is the slow part). */
export function testCa(): Promise<TestCa> {
  shared ??= createTestCa("tfc-jit-aws test CA");
  return shared;
}

export async function createTestCa(name: string): Promise<TestCa> {
  const now = Date.now();
  const ca = await selfsigned.generate([{ name: "commonName", value: name }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + DAY),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  let server: Promise<{ key: string; cert: string }> | undefined;
  return {
    certPem: ca.cert,
    encoded: Buffer.from(ca.cert, "utf8").toString("base64"),
    serverCert() {
      server ??= selfsigned
        .generate([{ name: "commonName", value: "127.0.0.1" }], {
          keySize: 2048,
          algorithm: "sha256",
          notBeforeDate: new Date(now - DAY),
          notAfterDate: new Date(now + DAY),
          ca: { key: ca.private, cert: ca.cert },
          extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            {
              name: "subjectAltName",
              altNames: [
                { type: 7, ip: "127.0.0.1" },
                { type: 2, value: "localhost" },
              ],
            },
          ],
        })
        .then((r) => ({ key: r.private, cert: r.cert }));
      return server;
    },
  };
}
