import { randomBytes } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { DynamoDbApiKeyStore } from "../../lambdas/adapters/dynamodb-api-key-store";
import { issueApiKey } from "../../lambdas/core/api-keys";
import { localSigning } from "../../cli/admin-client";
import { sigV4Fetch } from "../../client/admin";
import { localDocumentClient } from "../../local/clients";
import type { LocalOutputs } from "../../local/platform";
import { assertMatchesDocument } from "./openapi-contract";

/** The local platform the global setup started, and clients for it. */
export function platform(): LocalOutputs {
  return inject("platform");
}

export interface TestAdminClient {
  /** The AdminUrl: `request` paths are below it, e.g. `/event-types`. */
  readonly baseUrl: string;
  /** Any request, malformed ones too, signed as the CLI signs; a defined `body` is sent as JSON. */
  request(method: string, path: string, body?: unknown): Promise<ApiResponse>;
}

/** The operators' API of the test run, signed with the local credentials, answering JSON tests can read. */
export function adminApi(): TestAdminClient {
  const outputs = platform();
  const client = { baseUrl: outputs.AdminUrl, fetch: sigV4Fetch(localSigning(outputs)) };
  return {
    baseUrl: client.baseUrl,
    request: async (method, path, body) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const res = await client.fetch(
        new Request(client.baseUrl + path, {
          method,
          headers: payload === undefined ? {} : { "content-type": "application/json" },
          body: payload,
        }),
      );
      const response = await readResponse(res);
      assertMatchesDocument(method, client.baseUrl + path, response.status, response.json);
      return response;
    },
  };
}

export function documentClient(): DynamoDBDocumentClient {
  return localDocumentClient(platform());
}

export interface ApiResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly json: any;
  readonly text: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is, instead of JSON of `body`. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export type ApiClient = (method: string, path: string, options?: RequestOptions) => Promise<ApiResponse>;

export function apiClient(key: string | undefined): ApiClient {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}) };
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(platform().ApiUrl + path, {
      method,
      headers: { ...headers, ...options.headers },
      body,
      redirect: "manual",
    });
    const response = await readResponse(res);
    assertMatchesDocument(method, path, response.status, response.json);
    return response;
  };
}

/** The status, the text and, when the text is JSON, the parsed body. */
async function readResponse(res: Response): Promise<ApiResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export interface TestTenant {
  readonly tenantId: string;
  readonly key: string;
  readonly api: ApiClient;
}

/** A fresh tenant with its own API key, so tests do not see each other's endpoints. */
export async function newTenant(prefix = "test"): Promise<TestTenant> {
  const tenantId = `${prefix}-${randomBytes(5).toString("hex")}`;
  const { key, record } = issueApiKey(tenantId);
  await new DynamoDbApiKeyStore(documentClient(), platform().TableName).save(record);
  return { tenantId, key, api: apiClient(key) };
}
