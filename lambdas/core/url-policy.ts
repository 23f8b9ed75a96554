/**
 * @module Where the platform may send requests (docs/api.md, URL policy). Receivers choose the
 * URL, so without this an integrator could make the platform call its own VPC, the instance
 * metadata service or localhost (SSRF). The ranges are ipaddr.js's, which follows the IANA
 * special-purpose registries, not a list kept here: an address passes only when the library
 * calls it `unicast`, and an IPv6 address that carries an IPv4 one passes only when that IPv4
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

/** IANA's global unicast block; outside it ipaddr.js still says `unicast` for, e.g., `::127.0.0.1`. */
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
      // Also refuses the deprecated IPv4-compatible ::a.b.c.d (RFC 4291) and unallocated space.
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

/** False only for a global unicast address, in any of the forms that carry an IPv4 address. */
export function isForbiddenAddress(address: string): boolean {
  if (!isIP(address)) return true;
  const parsed = ipaddr.parse(address);
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
