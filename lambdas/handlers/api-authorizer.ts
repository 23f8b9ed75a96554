import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from "aws-lambda";
import type { AuthorizerContext } from "../adapters/api-gateway-request";
import { authenticate } from "../core/api-keys";
import { apiKeyStore, logger } from "../wiring/clients";

/**
 * The HTTP API's Lambda authorizer (results cached by API Gateway per
 * Authorization header for 60 s, so a revoked or expired key answers 401
 * within a minute). An unknown key is let through with an empty tenant
 * rather than denied: a denial would be API Gateway's bare 403, while the
 * contract is a 401 in the API's own error envelope, which the route gives.
 */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  const record = await authenticate(apiKeyStore(), event.headers?.authorization, new Date(), (error) =>
    logger().warn("could not record the key's last use", { error: error as Error }),
  );
  if (record) logger().info("api key accepted", { tenant_id: record.tenant_id, key_id: record.key_id });
  else logger().info("api key not recognised");
  return { isAuthorized: true, context: { tenantId: record?.tenant_id ?? "" } };
}
