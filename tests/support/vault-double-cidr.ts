/**
 * Source-address checks for the Vault double's `token_bound_cidrs` (JWT roles and the tokens they
 * issue), as Vault's cidrutil.RemoteAddrIsOk does: the address must fall in one of the CIDRs.
 * IPv4 CIDRs are matched by prefix; an IPv6 entry must equal the address (the double serves
 * 127.0.0.1 only).
 */

function ipv4(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Whether `address` is inside `cidr` (`a.b.c.d/n`, or a bare address). */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const a = ipv4(address);
  const b = ipv4(base ?? "");
  if (a === undefined || b === undefined) return address === base;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** Vault's RemoteAddrIsOk: no CIDRs = any address. */
export function addressAllowed(address: string, cidrs: readonly string[] | undefined): boolean {
  return !cidrs || cidrs.length === 0 || cidrs.some((c) => inCidr(address, c));
}
