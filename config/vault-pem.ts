/**
 * CA certificates given as PEM text in stack config. They end up where they are not secret
 * (Vault's JWT mount config, a workspace variable): a bundle pasted whole can carry a private key
 * next to its certificates, so only CERTIFICATE blocks are accepted.
 */

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** A problem sentence, or undefined when `text` holds PEM CERTIFICATE blocks and nothing else. */
export function certificatePemProblem(text: string): string | undefined {
  const labels = [...text.matchAll(BEGIN)].map((m) => m[1] ?? "");
  const other = labels.find((l) => l !== "CERTIFICATE");
  if (other !== undefined) {
    // The label only ("PRIVATE KEY"), never the block: the message must not carry key material.
    return `holds a "${other}" block; only CERTIFICATE blocks belong here (the value is stored unencrypted)`;
  }
  if (labels.length === 0 || !text.includes("-----END CERTIFICATE-----")) return "is not a PEM certificate";
  return undefined;
}
