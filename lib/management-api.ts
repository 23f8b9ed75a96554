import { type Duration, type RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from "aws-cdk-lib/aws-apigatewayv2";
import {
  HttpIamAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { ApiFunctionName, ApiRoute } from "../lambdas/functions";

export interface ManagementApiProps {
  readonly routes: readonly ApiRoute[];
  /** The function serving the routes of `routes` that name it. */
  readonly handlerOf: (name: ApiFunctionName) => IFunction;
  /** Resolves the bearer API key of every `apiKey` route's request to its tenant. */
  readonly authorizer: IFunction;
  /** How long API Gateway reuses an authorizer answer for the same Authorization header. */
  readonly authorizerCacheTtl: Duration;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

// Stage-wide, across tenants: a ceiling that keeps one runaway client from using up the
// account's regional API Gateway quota (10,000 requests/s shared with every other API).
const STAGE_THROTTLE = { rateLimit: 100, burstLimit: 200 };

/**
 * The HTTP API: every route of `routes`, the tenants' behind the API-key Lambda authorizer,
 * the operators' behind IAM (SigV4, `execute-api:Invoke`), so no admin secret exists
 * (docs/operators-api.md), and the public ones (the portal's page and the OpenAPI document) open.
 */
export class ManagementApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ManagementApiProps) {
    super(scope, id);

    // Each route names its authorizer: no default one that a route could fall back to by mistake.
    const authorizers: Record<ApiRoute["auth"], IHttpRouteAuthorizer> = {
      apiKey: new HttpLambdaAuthorizer("ApiKeyAuthorizer", props.authorizer, {
        // The cache key: requests without the header are refused before the authorizer runs.
        identitySource: ["$request.header.Authorization"],
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        resultsCacheTtl: props.authorizerCacheTtl,
      }),
      iam: new HttpIamAuthorizer(),
      // Named, not left out: a public route says so, rather than missing an authorizer.
      public: new HttpNoneAuthorizer(),
    };
    this.api = new HttpApi(this, "HttpApi", {
      description: "Hookline webhook management, event ingest and operators' API",
      // The default stage HttpApi would create takes no access log or throttle settings.
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: STAGE_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            requestTime: "$context.requestTime",
            ip: "$context.identity.sourceIp",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latency: "$context.responseLatency",
            integrationLatency: "$context.integrationLatency",
            authorizerError: "$context.authorizer.error",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });

    // One integration per function, shared by its routes.
    const integrations = new Map<ApiFunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: ApiFunctionName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}Integration`, props.handlerOf(name), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, integration);
      }
      return integration;
    };
    for (const route of props.routes) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.function),
        authorizer: authorizers[route.auth],
      });
      if (route.auth !== "public") continue;
      for (const publicRoute of added) {
        Validations.of(publicRoute).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "A public route serves only the integrator portal's static page and assets or the API's " +
            "OpenAPI document: no tenant data. The portal calls the tenants' routes with a bearer token, " +
            "which the API-key authorizer checks.",
        });
      }
    }
  }
}
