// IP address classification for the SSRF guard. Works on canonical address strings (as the
// WHATWG URL parser and dns.lookup produce them); numeric forms such as `127.1`, `0x7f.1` and
// `2130706433` are normalised by `new URL()` before they get here.
import { isIP } from 'node:net';

/** Why an address is not public; `null` when it is public. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local'
  | 'cloud metadata'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'unique-local'
  | 'site-local'
  | 'ipv4-translated'
  | 'invalid';

/** Blocked even with `allowPrivateNetworks`. */
export const ALWAYS_BLOCKED: ReadonlySet<AddressClass> = new Set([
  'unspecified',
  'cloud metadata',
  'multicast',
  'broadcast',
  'invalid',
]);

function parseV4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function inV4(n: number, base: string, bits: number): boolean {
  const b = parseV4(base)!;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return (n & mask) >>> 0 === (b & mask) >>> 0;
}

const V4_RANGES: ReadonlyArray<[string, number, AddressClass]> = [
  ['169.254.169.254', 32, 'cloud metadata'],
  ['100.100.100.200', 32, 'cloud metadata'], // Alibaba Cloud metadata
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

function classifyV4(n: number): AddressClass | null {
  for (const [base, bits, cls] of V4_RANGES) if (inV4(n, base, bits)) return cls;
  return null;
}

/** Eight 16-bit groups, or null. Accepts `::`, an embedded dotted IPv4 tail and a `%zone`. */
function parseV6(input: string): number[] | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toGroups = (h: string) => (h === '' ? [] : h.split(':').map((g) => Number.parseInt(g, 16)));
  const head = toGroups(halves[0]!);
  const rest = halves.length === 2 ? toGroups(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 && fill !== 0) return null;
  if (fill < 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    return null;
  }
  if (tail.length) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

function classifyV6(g: number[]): AddressClass | null {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const v4 = ((h << 16) | i) >>> 0;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0xffff) return classifyV4(v4) ?? null; // IPv4-mapped ::ffff:a.b.c.d
    if (f === 0) {
      if (h === 0 && i === 0) return 'unspecified';
      if (h === 0 && i === 1) return 'loopback';
      return 'reserved'; // IPv4-compatible ::a.b.c.d (deprecated)
    }
  }
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0xffff && f === 0) return 'reserved'; // ::ffff:0:a.b.c.d
  if (a === 0x64 && b === 0xff9b) return classifyV4(v4) ?? 'ipv4-translated'; // NAT64 64:ff9b::/96 and /48
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return 'reserved'; // discard 100::/64
  if (a === 0x2001 && b === 0) return 'ipv4-translated'; // Teredo 2001::/32
  if (a === 0x2001 && b === 0xdb8) return 'documentation';
  if (a === 0x2002) return 'ipv4-translated'; // 6to4 2002::/16
  if (a === 0xfd00 && b === 0xec2 && h === 0 && i === 0x254) return 'cloud metadata'; // fd00:ec2::254
  if ((a & 0xfe00) === 0xfc00) return 'unique-local'; // fc00::/7 (fd00::/8 included)
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/** The class of a non-public address, or null for a public one. */
export function classifyAddress(address: string): AddressClass | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const kind = isIP(bare.split('%')[0]!);
  if (kind === 4) return classifyV4(parseV4(bare)!);
  if (kind === 6) {
    const g = parseV6(bare);
    return g ? classifyV6(g) : 'invalid';
  }
  return 'invalid';
}

/** True if `host` (a URL hostname) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0;
}

/** Host names that always mean this machine or an internal zone. */
export function isInternalName(host: string): boolean {
  // Trailing dots stripped in a loop: `/\.+$/` is quadratic on a long run of dots.
  const lower = host.toLowerCase();
  let end = lower.length;
  while (end > 0 && lower.charCodeAt(end - 1) === 46) end--;
  const h = lower.slice(0, end);
  return (
    h === '' ||
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === 'localhost.localdomain' ||
    h.endsWith('.internal') ||
    h.endsWith('.local') ||
    h === 'metadata' ||
    !h.includes('.')
  );
}
