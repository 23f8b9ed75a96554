import { join } from "node:path";
import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, LoggingFormat, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { nodejsBundling } from "./bundling";

export interface PlatformFunctionProps {
  /** Handler file, relative to `projectRoot`; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The project holding `entry`, node_modules and package-lock.json. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A Lambda function with the settings every function of the platform shares:
 * Node.js 24 on arm64, ESM bundle with source maps, JSON logs into its own log
 * group, and a role that starts with no permission but writing those logs.
 */
export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  /** Grant the function's permissions here; it holds nothing else. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);

    const logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // An own role instead of the default one with AWSLambdaBasicExecutionRole (cdk-nag IAM4):
    // that managed policy may create and write any log group in the account.
    this.role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, "Function", {
      entry: join(props.projectRoot, props.entry),
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, "package-lock.json"),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup,
      // Powertools Logger writes JSON; the JSON format keeps Lambda's own lines (START, REPORT) JSON too.
      loggingFormat: LoggingFormat.JSON,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      bundling: nodejsBundling,
    });
  }
}
