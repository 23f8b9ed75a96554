/**
 * @module Where the platform may send requests (docs/api.md, URL policy). Receivers choose the
 * URL, so without this an integrator could make the platform call its own VPC, the instance
 * metadata service or localhost (SSRF). The ranges are ipaddr.js's, which follows the IANA
 * special-purpose registries (core's one dependency besides zod: those registries are a kept
 * library's job, not a list to maintain here): an address passes only when the library calls it
 * `unicast`, and an IPv6 address that carries an IPv4 one passes only when that IPv4
 * address does too.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface UrlPolicy {
  readonly allowedSchemes: readonly ("https" | "http")[];
  readonly allowPrivateAddresses: boolean;
}

/** What a refusal says. It never names an address DNS gave: that would map the operator's network. */
export const NOT_PUBLIC_ADDRESS =
  "url must not point to a private, loopback, link-local, metadata or other address that is not public";
export const RESOLVES_TO_NOT_PUBLIC =
  "url host name resolves to a private, loopback, link-local, metadata or other address that is not public";
export const DOES_NOT_RESOLVE = "url host name does not resolve";

/** IANA's global unicast block; outside it ipaddr.js still says `unicast` for, e.g., `::7f00:1`. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** The well-known NAT64 prefix, where the IPv4 address is always the last 32 bits (RFC 6052). */
const WELL_KNOWN_NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

/**
 * The IPv4 addresses a packet to this IPv6 address ends at or is relayed through, each of which
 * must be public too; undefined when the address is refused whatever it carries.
 */
function carriedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const bytes = address.toByteArray();
  const at = (from: number, flip = 0) => new ipaddr.IPv4(bytes.slice(from, from + 4).map((b) => b ^ flip));
  switch (address.range()) {
    case "unicast":
      // Also refuses the deprecated IPv4-compatible ::a.b.c.d (RFC 4291, in hex once canonical)
      // and unallocated space.
      return address.match(GLOBAL_UNICAST) ? [] : undefined;
    case "ipv4Mapped": // ::ffff:a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d, the IPv4-translated form
      return [at(12)];
    case "rfc6052":
      // The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) places the IPv4 address where each
      // network chooses, so it cannot be read, and it only reaches a translator inside that
      // network: refused outright.
      return address.match(WELL_KNOWN_NAT64) ? [at(12)] : undefined;
    case "6to4": // 2002:aabb:ccdd::/48 relays to a.b.c.d (RFC 3056)
      return [at(2)];
    case "teredo": // 2001:0:<server>:<flags>:<port>:<client XOR 0xffffffff> (RFC 4380)
      return [at(4), at(12, 0xff)];
    default:
      return undefined;
  }
}

/**
 * The address as the URL parser writes it, in hex. ipaddr.js reads the deprecated dotted
 * IPv4-compatible form `::a.b.c.d` as if it were mapped (`::ffff:a.b.c.d`), and DNS answers
 * reach the sender formatted that way by libuv, so a name with the AAAA record `::808:808` would
 * pass as 8.8.8.8. In hex it is `::808:808`, outside 2000::/3, and refused.
 */
function canonicalIpv6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]`).hostname.slice(1, -1);
  } catch {
    return undefined; // a zone id (fe80::1%eth0): never a global address
  }
}

/** False only for a global unicast address, in any of the forms that carry an IPv4 address. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  const canonical = family === 6 ? canonicalIpv6(address) : family === 4 ? address : undefined;
  if (canonical === undefined) return true;
  const parsed = ipaddr.parse(canonical);
  if (parsed instanceof ipaddr.IPv4) return parsed.range() !== "unicast";
  const carried = carriedIpv4(parsed);
  return !carried || carried.some((ipv4) => ipv4.range() !== "unicast");
}

/**
 * The URL's host as an IP literal without IPv6 brackets, or undefined for a DNS name. The WHATWG
 * parser has already turned every IPv4 spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`,
 * `127.0.0.1.`) into dotted decimal.
 */
export function ipLiteralHost(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return isIP(host) ? host : undefined;
}
