/**
 * @module Every address a host name resolves to, in both families: the URL policy checks them
 * all when an endpoint is saved, and the sender again at every connection (docs/api.md, URL policy).
 */
import { lookup } from "node:dns/promises";

export async function resolveHost(hostname: string): Promise<readonly string[]> {
  return (await lookup(hostname, { all: true })).map((a) => a.address);
}
