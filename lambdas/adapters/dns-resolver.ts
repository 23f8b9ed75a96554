import { lookup } from "node:dns/promises";

export async function resolveHost(hostname: string): Promise<readonly string[]> {
  return (await lookup(hostname, { all: true })).map((a) => a.address);
}
