/**
 * IPv4 CIDR arithmetic, done at synth time so that the Terraform JSON carries literal subnet ranges:
 * reviewers and tests see the addresses, and plan needs no function evaluation to know them.
 */

export interface Ipv4Cidr {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(text: string): Ipv4Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  // A CIDR whose address has host bits set is a typo more often than an intent: refuse it.
  if (address % size !== 0) return undefined;
  return { base: address, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.base / 2 ** shift) % 256);
  return `${octets.join('.')}/${cidr.prefix}`;
}

/** Terraform's cidrsubnet(): the `index`-th subnet with `newBits` more prefix bits. */
export function cidrSubnet(parent: Ipv4Cidr, newBits: number, index: number): Ipv4Cidr {
  const prefix = parent.prefix + newBits;
  if (prefix > 32 || index < 0 || index >= 2 ** newBits) {
    throw new RangeError(`no subnet ${index} of /${prefix} in ${formatCidr(parent)}`);
  }
  return { base: parent.base + index * 2 ** (32 - prefix), prefix };
}
