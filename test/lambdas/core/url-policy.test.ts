import { describe, expect, it } from "vitest";
import { ipLiteralHost, isForbiddenAddress } from "../../../lambdas/core/url-policy";
import { HOSTILE_URLS, IPV4_SPELLINGS, PUBLIC_ADDRESS } from "../../support/hostile-urls";

/** The addresses a URL reaches: its IP literal, or every address its name resolves to. */
function addressesOf(url: string): readonly string[] {
  const parsed = new URL(url);
  const literal = ipLiteralHost(parsed);
  if (literal) return [literal];
  const entry = HOSTILE_URLS.find((e) => e.url === url);
  return entry?.resolvesTo ?? [];
}

describe("isForbiddenAddress", () => {
  it("has at least 40 hostile URLs to refuse", () => {
    expect(HOSTILE_URLS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HOSTILE_URLS.map((e) => [e.url, e.why] as const))("refuses %s (%s)", (url) => {
    // Prepare
    const addresses = addressesOf(url);

    // Act
    const refused = addresses.some(isForbiddenAddress);

    // Assess
    expect(addresses.length).toBeGreaterThan(0);
    expect(refused).toBe(true);
  });

  it.each([
    ["10.255.255.255", "the end of 10/8"],
    ["172.16.0.0", "the start of 172.16/12"],
    ["100.127.255.255", "the end of 100.64/10"],
    ["192.0.0.8", "an IETF protocol assignment inside 192.0.0.0/24"],
    ["192.31.196.1", "AS112"],
    ["192.52.193.1", "AMT"],
    ["2001:3::1", "IPv6 AMT"],
    ["2001:4:112::1", "IPv6 AS112"],
    ["2001:20::1", "ORCHIDv2"],
    ["2001:1::1", "an IETF protocol assignment inside 2001::/23"],
    ["5f00::1", "segment routing"],
    ["4000::1", "unallocated IPv6, outside 2000::/3"],
    ["::ffff:7f00:1", "v4-mapped loopback (hex)"],
    ["fe80::1%eth0", "link-local with a zone"],
  ])("refuses %s (%s)", (address) => {
    // Act
    const forbidden = isForbiddenAddress(address);

    // Assess
    expect(forbidden).toBe(true);
  });

  it.each([
    [PUBLIC_ADDRESS, "a public-looking address"],
    ["172.15.255.255", "just below 172.16/12"],
    ["172.32.0.0", "just above 172.16/12"],
    ["100.128.0.0", "just above 100.64/10"],
    ["8.8.8.8", "a public resolver"],
    ["2606:4700:4700::1111", "a public IPv6 resolver"],
    ["::ffff:8.8.8.8", "a v4-mapped public address"],
    ["::ffff:0:8.8.8.8", "a v4-translated public address"],
    ["64:ff9b::808:808", "NAT64 of 8.8.8.8"],
    ["2002:808:808::1", "6to4 of 8.8.8.8"],
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo with a public server and client 8.8.8.8"],
  ])("allows %s (%s)", (address) => {
    // Act
    const forbidden = isForbiddenAddress(address);

    // Assess
    expect(forbidden).toBe(false);
  });

  it("allows an https URL on a public-looking address", () => {
    // Act
    const addresses = addressesOf(`https://${PUBLIC_ADDRESS}/hooks`);

    // Assess
    expect(addresses).toEqual([PUBLIC_ADDRESS]);
    expect(addresses.some(isForbiddenAddress)).toBe(false);
  });

  it.each(["example.com", "", "999.1.1.1", "localhost", "0x7f.1", "127.1"])(
    "forbids %j, which is not an address as DNS or the URL parser gives one",
    (value) => {
      // Act
      const forbidden = isForbiddenAddress(value);

      // Assess
      expect(forbidden).toBe(true);
    },
  );
});

describe("ipLiteralHost", () => {
  it.each(IPV4_SPELLINGS.map((e) => [e.url, e.hostname, e.why] as const))(
    "reads %s as the IP literal %s (%s), which the policy refuses",
    (url, expected) => {
      // Act
      const host = ipLiteralHost(new URL(url));

      // Assess
      expect(new URL(url).hostname).toBe(expected);
      expect(host).toBe(expected);
      expect(isForbiddenAddress(host ?? "")).toBe(true);
    },
  );

  it.each([
    ["http://[::1]:80/", "::1"],
    ["https://[fd00:ec2::254]/latest", "fd00:ec2::254"],
    ["https://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
  ])("reads %s as the IP literal %s", (url, expected) => {
    // Act
    const host = ipLiteralHost(new URL(url));

    // Assess
    expect(host).toBe(expected);
  });

  it("returns undefined for a DNS name", () => {
    // Act
    const host = ipLiteralHost(new URL("http://example.com/"));

    // Assess
    expect(host).toBeUndefined();
  });
});
