// Validators for names and addresses that reach the kernel: interface names, identifiers, IPv4 addresses and prefixes, ports.

/** Linux interface names: 1–15 characters, no slash, colon or whitespace. */
export const DEVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$/;
/** Names the kernel gives a meaning of their own (sysctl `conf/all`, `conf/default`, the loopback): never a WAN or LAN device. */
export const RESERVED_DEVICES = ['all', 'default', 'lo'];
/** Why `name` cannot be a WAN or LAN device, or undefined when it can (1-15 characters, no "/", ":" or whitespace, not "." or ".."). */
export function deviceNameProblem(name: string): string | undefined {
  if (!DEVICE_NAME.test(name)) return 'expected an interface name: 1-15 characters, no "/", ":" or spaces';
  if (RESERVED_DEVICES.includes(name))
    return `"${name}" is reserved (${RESERVED_DEVICES.join(', ')}): name the real interface`;
  return undefined;
}
/** Names mwan uses inside nft object names and messages: a letter, then letters, digits, '_' or '-'. */
export const OBJECT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function ipv4ToInt(addr: string): number {
  return addr.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Whether the bits set in `mask` form one contiguous run (0xff00 yes, 0xf0f0 no). */
export function isContiguousMask(mask: number): boolean {
  if (mask <= 0 || mask > 0xffffffff) return false;
  let m = mask;
  while (m % 2 === 0) m /= 2;
  return ((m + 1) & m) === 0 && Number.isInteger(Math.log2(m + 1));
}

/** The lowest set bit's position of a mask (0xff00 → 8). */
export function maskShift(mask: number): number {
  let shift = 0;
  while (Math.floor(mask / 2 ** shift) % 2 === 0) shift++;
  return shift;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A port (80) or an ordered range ("8000-8010"), as `{ from, to }`; undefined when malformed. */
export function portRange(port: number | string): { from: number; to: number } | undefined {
  const m = /^([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?$/.exec(String(port));
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from <= 65535 && to <= 65535 && from <= to ? { from, to } : undefined;
}

/** A forward's target "10.0.0.5" or "10.0.0.5:8080" as `{ address, port? }`; undefined when malformed. */
export function forwardTarget(to: string): { address: string; port?: number } | undefined {
  const [address, port, extra] = to.split(':');
  if (extra !== undefined || !isIPv4(address)) return undefined;
  if (port === undefined) return { address };
  const range = portRange(port);
  return range && range.from === range.to ? { address, port: range.from } : undefined;
}
