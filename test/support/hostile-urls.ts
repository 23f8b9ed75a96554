/**
 * @module The URLs the URL policy must refuse (docs/api.md, URL policy), in one table that the
 * classifier's unit test, create and update, the sender and the local run all go through. Every
 * URL is https, so that a refusal is the address's, not the scheme's. Host names carry the
 * addresses a test resolver gives them: this machine's DNS resolves no public name.
 */

export interface HostileUrl {
  readonly url: string;
  /** What the URL hides. */
  readonly why: string;
  /** For a host name: every address the test resolver answers. */
  readonly resolvesTo?: readonly string[];
  /** For an IPv4 literal spelled other than dotted decimal: what the WHATWG parser makes of it. */
  readonly hostname?: string;
}

/** A public-looking address (example.com's): allowed, though no test connects to it. */
export const PUBLIC_ADDRESS = "93.184.215.14";
export const PUBLIC_NAME = "hooks.example.com";
/** A name that resolves nowhere. */
export const UNRESOLVABLE_NAME = "nowhere.example.invalid";

/** IPv4 literals in the spellings the WHATWG URL parser accepts, each normalised to dotted decimal. */
export const IPV4_SPELLINGS: readonly HostileUrl[] = [
  { url: "https://2130706433/", why: "127.0.0.1 as one decimal number", hostname: "127.0.0.1" },
  { url: "https://0x7f000001/", why: "127.0.0.1 as one hex number", hostname: "127.0.0.1" },
  { url: "https://017700000001/", why: "127.0.0.1 as one octal number", hostname: "127.0.0.1" },
  { url: "https://0x7f.1/", why: "127.0.0.1, hex and short", hostname: "127.0.0.1" },
  { url: "https://0177.0.0.1/", why: "127.0.0.1 with an octal part", hostname: "127.0.0.1" },
  { url: "https://0x7f.0x0.0x0.0x1/", why: "127.0.0.1 in hex parts", hostname: "127.0.0.1" },
  { url: "https://127.1/", why: "127.0.0.1 in its short form", hostname: "127.0.0.1" },
  { url: "https://127.0.0.1./", why: "127.0.0.1 with a trailing dot", hostname: "127.0.0.1" },
  { url: "https://%31%32%37.0.0.1/", why: "127.0.0.1 percent-encoded", hostname: "127.0.0.1" },
  { url: "https://１２７.０.０.１/", why: "127.0.0.1 in full-width digits", hostname: "127.0.0.1" },
  { url: "https://0/", why: "0.0.0.0 as the number 0", hostname: "0.0.0.0" },
  { url: "https://0xa9.0376.43518/", why: "the metadata service, mixed", hostname: "169.254.169.254" },
];

export const HOSTILE_URLS: readonly HostileUrl[] = [
  { url: "https://127.0.0.1/", why: "IPv4 loopback" },
  { url: "https://127.255.255.254/", why: "the rest of 127/8" },
  { url: "https://[::1]/", why: "IPv6 loopback" },
  { url: "https://0.0.0.0/", why: "the unspecified IPv4 address" },
  { url: "https://0.1.2.3/", why: '"this network", 0/8' },
  { url: "https://[::]/", why: "the unspecified IPv6 address" },
  { url: "https://10.0.0.1/", why: "private 10/8" },
  { url: "https://172.16.0.1/", why: "private 172.16/12" },
  { url: "https://172.31.255.255/", why: "the end of 172.16/12" },
  { url: "https://192.168.1.1/", why: "private 192.168/16" },
  { url: "https://100.64.0.1/", why: "carrier-grade NAT 100.64/10" },
  { url: "https://169.254.169.254/latest/meta-data/", why: "the instance metadata service" },
  { url: "https://169.254.170.2/v2/credentials", why: "the ECS task credentials endpoint (link-local)" },
  { url: "https://[fd00:ec2::254]/latest/meta-data/", why: "the IPv6 instance metadata service" },
  { url: "https://[fe80::1]/", why: "IPv6 link-local" },
  { url: "https://[fc00::1]/", why: "IPv6 unique local" },
  { url: "https://[fec0::1]/", why: "deprecated IPv6 site-local" },
  { url: "https://[::ffff:127.0.0.1]/", why: "IPv4-mapped loopback" },
  { url: "https://[::ffff:a9fe:a9fe]/", why: "IPv4-mapped metadata service, in hex" },
  { url: "https://[::ffff:0:127.0.0.1]/", why: "IPv4-translated loopback (::ffff:0:0/96)" },
  { url: "https://[::ffff:0:10.0.0.1]/", why: "IPv4-translated private address" },
  { url: "https://[64:ff9b::127.0.0.1]/", why: "NAT64 of loopback" },
  { url: "https://[64:ff9b::a9fe:a9fe]/", why: "NAT64 of the metadata service" },
  { url: "https://[64:ff9b:1::808:808]/", why: "the local-use NAT64 prefix 64:ff9b:1::/48" },
  { url: "https://[2002:7f00:1::1]/", why: "6to4 of loopback" },
  { url: "https://[2002:a9fe:a9fe::1]/", why: "6to4 of the metadata service" },
  { url: "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", why: "Teredo whose client is 127.0.0.1" },
  { url: "https://[2001:0:a00:1::f7f7:f7f7]/", why: "Teredo whose server is 10.0.0.1" },
  { url: "https://[::127.0.0.1]/", why: "deprecated IPv4-compatible loopback" },
  { url: "https://192.0.2.1/", why: "documentation TEST-NET-1" },
  { url: "https://198.51.100.1/", why: "documentation TEST-NET-2" },
  { url: "https://203.0.113.1/", why: "documentation TEST-NET-3" },
  { url: "https://[2001:db8::1]/", why: "IPv6 documentation" },
  { url: "https://[3fff::1]/", why: "IPv6 documentation 3fff::/20" },
  { url: "https://198.18.0.1/", why: "benchmarking 198.18/15" },
  { url: "https://[2001:2::1]/", why: "IPv6 benchmarking" },
  { url: "https://192.0.0.1/", why: "IETF protocol assignments" },
  { url: "https://192.88.99.1/", why: "the deprecated 6to4 relay anycast" },
  { url: "https://240.0.0.1/", why: "reserved 240/4" },
  { url: "https://[100::1]/", why: "IPv6 discard-only 100::/64" },
  { url: "https://224.0.0.1/", why: "IPv4 multicast" },
  { url: "https://239.255.255.250/", why: "IPv4 multicast (SSDP)" },
  { url: "https://[ff02::1]/", why: "IPv6 multicast" },
  { url: "https://255.255.255.255/", why: "broadcast" },
  { url: "https://localhost/", why: "a name for loopback", resolvesTo: ["127.0.0.1", "::1"] },
  { url: "https://localhost.localdomain/", why: "another name for loopback", resolvesTo: ["127.0.0.1"] },
  { url: "https://internal.example.com/", why: "a name for a private address", resolvesTo: ["10.1.2.3"] },
  {
    url: "https://rebind.example.com/",
    why: "a name for a public and a metadata address",
    resolvesTo: [PUBLIC_ADDRESS, "169.254.169.254"],
  },
  { url: "https://v6.example.com/", why: "a name for a v6 metadata address", resolvesTo: ["fd00:ec2::254"] },
  {
    url: "https://compat.example.com/",
    // libuv formats the AAAA record ::808:808 so; ipaddr.js alone would read it as mapped 8.8.8.8.
    why: "a name for the deprecated IPv4-compatible ::8.8.8.8, as DNS answers it",
    resolvesTo: ["::8.8.8.8"],
  },
  { url: "https://user:pass@127.0.0.1/", why: "userinfo in front of loopback" },
  { url: `https://${PUBLIC_NAME}@127.0.0.1/`, why: "a public name as userinfo in front of loopback" },
  { url: "https://127.0.0.1:22/", why: "loopback on the SSH port" },
  { url: "https://[::1]:6379/", why: "IPv6 loopback on the Redis port" },
  { url: "https://169.254.169.254:80/latest/", why: "the metadata service on its own port" },
  { url: "https://10.0.0.1:65535/", why: "private, on the last port" },
  ...IPV4_SPELLINGS,
];

/**
 * DNS as the tests see it: the table's names, and PUBLIC_NAME at PUBLIC_ADDRESS. Any other name
 * fails as Node's resolver does (ENOTFOUND).
 */
export async function testResolveHost(hostname: string): Promise<readonly string[]> {
  if (hostname === PUBLIC_NAME) return [PUBLIC_ADDRESS];
  const entry = HOSTILE_URLS.find((e) => e.resolvesTo && new URL(e.url).hostname === hostname);
  if (entry?.resolvesTo) return entry.resolvesTo;
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
}
