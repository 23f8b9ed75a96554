/** @module `npm start`: the whole platform locally until Ctrl-C (docs/local-run.md). */
import { startLocalPlatform } from "./platform";

const started = Date.now();
console.log("hookline: starting DynamoDB Local, SQS, the Scheduler API and the HTTP API...");
const platform = await startLocalPlatform({
  port: Number(process.env.PORT ?? 3000),
  retrySchedule: process.env.RETRY_SCHEDULE,
  tenantId: process.env.TENANT_ID,
  logLevel: process.env.LOG_LEVEL ?? "INFO",
  breakerThreshold: process.env.BREAKER_THRESHOLD ? Number(process.env.BREAKER_THRESHOLD) : undefined,
  allowedUrlSchemes: process.env.ALLOWED_URL_SCHEMES,
  allowPrivateAddresses: process.env.ALLOW_PRIVATE_ADDRESSES,
  outputsFile: ".local/outputs.json",
  log: (line) => console.log(line),
}).catch((error: unknown) => {
  console.error(`hookline: could not start: ${(error as Error).message}`);
  process.exit(1);
});

const o = platform.outputs;
console.log(`
hookline is ready in ${((Date.now() - started) / 1000).toFixed(1)} s

  API URL        ${o.ApiUrl}
  API key        ${o.ApiKey}   (tenant "${o.TenantId}")
  Portal         ${o.ApiUrl}/portal   (sign in with the API key)
  OpenAPI        ${o.ApiUrl}/v1/openapi.json
  Admin URL      ${o.AdminUrl}   (SigV4 with key id "${o.LocalAccessKeyId}", region ${o.Region})
  Events queue   ${o.EventsQueueUrl}
  DynamoDB       ${o.DynamoDbEndpoint}   table ${o.TableName}
  SQS            ${o.SqsEndpoint}
  Scheduler      ${o.SchedulerEndpoint}

  Outputs written to .local/outputs.json. Try:
  curl -H "Authorization: Bearer ${o.ApiKey}" ${o.ApiUrl}/v1/webhooks/events
  npm run admin -- keys create --tenant ${o.TenantId} --name laptop
  npm run admin -- portal open --tenant ${o.TenantId}

Press Ctrl-C to stop.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log("\nhookline: stopping...");
    void platform.stop().finally(() => process.exit(0));
  });
}
