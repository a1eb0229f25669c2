// Refuses webhook addresses that reach into the operator's own network: loopback, private, link-local (with the
// cloud metadata service), CGNAT, multicast and reserved ranges, in IPv4 and IPv6 (ULA, and IPv4 embedded in
// mapped or NAT64 forms). The host is resolved here and the connection is made to the address vetted here, so a
// DNS answer that changes between the check and the connect cannot slip past.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** DNS as the guard sees it (tests bring a fake resolver: an external system's test double). */
export interface HostResolver {
  resolve(hostname: string): Promise<ResolvedAddress[]>;
}

export const systemResolver: HostResolver = {
  async resolve(hostname) {
    const answers = await lookup(hostname, { all: true, verbatim: true });
    return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  },
};

/** Why an address was refused: never retried (the same answer would come again). */
export class AddressRefused extends Error {
  readonly code = "address_refused";
  constructor(message: string) {
    super(message);
    this.name = "AddressRefused";
  }
}

/** The name did not resolve: may be transient. */
export class ResolveFailed extends Error {
  readonly code = "dns_failed";
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "ResolveFailed";
  }
}

const FORBIDDEN_V4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "this network"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const FORBIDDEN_V6: Array<[string, number, string]> = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["100::", 64, "discard"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique local (private)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

function rangeOf(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    for (const [net, prefix, name] of FORBIDDEN_V4) {
      const list = new BlockList();
      list.addSubnet(net, prefix, "ipv4");
      if (list.check(address, "ipv4")) return name;
    }
    return null;
  }
  if (family !== 6) return "not an IP address";
  for (const [net, prefix, name] of FORBIDDEN_V6) {
    const list = new BlockList();
    list.addSubnet(net, prefix, "ipv6");
    if (list.check(address, "ipv6")) return name;
  }
  const embedded = embeddedIpv4(address);
  return embedded === null ? null : rangeOf(embedded);
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or NAT64 (64:ff9b::/96) one. */
export function embeddedIpv4(address: string): string | null {
  const hextets = expandIpv6(address);
  if (hextets === null) return null;
  const head = hextets
    .slice(0, 6)
    .map((h) => h.toString(16))
    .join(":");
  const mapped = head === "0:0:0:0:0:ffff" || head === "0:0:0:0:0:0" || head === "64:ff9b:0:0:0:0";
  if (!mapped) return null;
  const hi = hextets[6]!;
  const lo = hextets[7]!;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split(".").map(Number);
    text = `${text.slice(0, dotted.index)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [left, right, ...rest] = text.split("::");
  if (rest.length > 0) return null;
  const l = left ? left.split(":") : [];
  const r = right === undefined ? [] : right ? right.split(":") : [];
  const missing = 8 - l.length - r.length;
  if (right === undefined ? missing !== 0 : missing < 0) return null;
  const all = [...l, ...Array<string>(right === undefined ? 0 : missing).fill("0"), ...r];
  const values = all.map((h) => Number.parseInt(h, 16));
  return values.length === 8 && values.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffff)
    ? values
    : null;
}

/**
 * WEBHOOK_ALLOW_HOSTS, parsed: host names (exact, any case) whose addresses are all allowed, and addresses or
 * CIDR ranges allowed whatever name led to them.
 */
export interface AllowList {
  hosts: ReadonlySet<string>;
  addresses: BlockList;
  /** As given, for logs. */
  entries: readonly string[];
}

/** Parses the allow list; throws with a message naming the entry that is neither a host, an address nor a range. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, "");
    if (entry === "") continue;
    const slash = entry.indexOf("/");
    if (slash >= 0 && isIP(entry.slice(0, slash)) !== 0) {
      const net = entry.slice(0, slash);
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(net);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
        throw new Error(`"${raw}" is not a CIDR range like 10.0.0.0/8`);
      addresses.addSubnet(net, prefix, family === 4 ? "ipv4" : "ipv6");
    } else if (isIP(entry) !== 0) {
      addresses.addAddress(entry, isIP(entry) === 4 ? "ipv4" : "ipv6");
    } else if (
      /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/.test(
        entry,
      )
    ) {
      hosts.add(entry.replace(/\.$/, ""));
    } else {
      throw new Error(`"${raw}" is not a host name, an IP address or a CIDR range`);
    }
  }
  return { hosts, addresses, entries: [...entries] };
}

export const EMPTY_ALLOW_LIST: AllowList = parseAllowList([]);

/** Decides which address a URL's host may be reached at, or refuses it. */
export class AddressGuard {
  readonly #resolver: HostResolver;
  readonly #allow: AllowList;

  constructor(options: { resolver?: HostResolver; allow?: AllowList } = {}) {
    this.#resolver = options.resolver ?? systemResolver;
    this.#allow = options.allow ?? EMPTY_ALLOW_LIST;
  }

  /**
   * The address to connect to for this URL: its host resolved once, every answer checked (one forbidden answer
   * refuses the host: which one a client picks is not ours to know).
   */
  async vet(url: URL): Promise<ResolvedAddress> {
    const host = url.hostname
      .replace(/^\[|\]$/g, "")
      .toLowerCase()
      .replace(/\.$/, "");
    const literal = isIP(host);
    const answers: ResolvedAddress[] = literal
      ? [{ address: host, family: literal === 6 ? 6 : 4 }]
      : await this.#resolve(host);
    if (answers.length === 0) throw new ResolveFailed(`${host} has no address`);
    const hostAllowed = this.#allow.hosts.has(host);
    for (const answer of answers) {
      if (hostAllowed) break;
      if (this.#allow.addresses.check(answer.address, answer.family === 6 ? "ipv6" : "ipv4")) continue;
      const range = rangeOf(answer.address);
      if (range !== null) {
        throw new AddressRefused(
          literal
            ? `the address ${host} is a ${range} address; webhooks may only reach public addresses`
            : `the host ${host} resolves to ${answer.address}, a ${range} address; webhooks may only reach public addresses`,
        );
      }
    }
    return answers[0]!;
  }

  async #resolve(host: string): Promise<ResolvedAddress[]> {
    try {
      return await this.#resolver.resolve(host);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new ResolveFailed(`could not resolve ${host}${code ? ` (${code})` : ""}`, error);
    }
  }
}
