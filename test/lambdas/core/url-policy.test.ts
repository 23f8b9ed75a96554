import { describe, expect, it } from "vitest";
import { ipLiteralHost, isForbiddenAddress } from "../../../lambdas/core/url-policy";

describe("isForbiddenAddress", () => {
  it.each([
    ["10.0.0.0", "the start of 10/8"],
    ["10.255.255.255", "the end of 10/8"],
    ["172.16.0.0", "the start of 172.16/12"],
    ["172.31.255.255", "the end of 172.16/12"],
    ["192.168.0.1", "192.168/16"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "the rest of 127/8"],
    ["169.254.169.254", "the instance metadata service"],
    ["100.64.0.1", "carrier-grade NAT (100.64/10)"],
    ["100.127.255.255", "the end of 100.64/10"],
    ["0.0.0.0", "the unspecified IPv4 address"],
    ["::1", "IPv6 loopback"],
    ["::", "the unspecified IPv6 address"],
    ["fc00::1", "unique local fc00::/7"],
    ["fd00:ec2::254", "the IPv6 instance metadata service"],
    ["fe80::1", "IPv6 link-local"],
    ["::ffff:127.0.0.1", "v4-mapped loopback (dotted)"],
    ["::ffff:7f00:1", "v4-mapped loopback (hex)"],
    ["::ffff:10.1.2.3", "v4-mapped private"],
    ["64:ff9b::a00:1", "NAT64 of 10.0.0.1"],
  ])("forbids %s (%s)", (address) => {
    // Act
    const forbidden = isForbiddenAddress(address);

    // Assess
    expect(forbidden).toBe(true);
  });

  it.each([
    ["172.15.255.255", "just below 172.16/12"],
    ["172.32.0.0", "just above 172.16/12"],
    ["100.128.0.0", "just above 100.64/10"],
    ["8.8.8.8", "a public resolver"],
    ["1.1.1.1", "a public resolver"],
    ["2606:4700:4700::1111", "a public IPv6 resolver"],
    ["::ffff:8.8.8.8", "a v4-mapped public address"],
    ["64:ff9b::808:808", "NAT64 of 8.8.8.8"],
  ])("allows %s (%s)", (address) => {
    // Act
    const forbidden = isForbiddenAddress(address);

    // Assess
    expect(forbidden).toBe(false);
  });

  it.each(["example.com", "", "999.1.1.1", "localhost"])(
    "forbids %j, which is not an IP address",
    (value) => {
      // Act
      const forbidden = isForbiddenAddress(value);

      // Assess
      expect(forbidden).toBe(true);
    },
  );
});

describe("ipLiteralHost", () => {
  it.each([
    ["http://[::1]:80/", "::1"],
    ["http://127.0.0.1/", "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1"],
    ["https://[fd00:ec2::254]/latest", "fd00:ec2::254"],
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
