import { join } from "node:path";
import { AssetHashType, DockerImage, type Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
} from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { bundleHandler } from "./bundling";

export interface PlatformFunctionProps {
  /** Handler file, relative to `projectRoot`; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The project holding `entry` and its node_modules. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Writes files the function reads at run time into its bundle, beside index.mjs. */
  readonly bundleFiles?: (outputDir: string) => void;
}

/**
 * A Lambda function with the settings every function of the platform shares:
 * Node.js 24 on arm64, ESM bundle with source maps, JSON logs into its own log
 * group, and a role that starts with no permission but writing those logs.
 *
 * The bundle is built here with esbuild rather than by NodejsFunction, which writes one file:
 * split into chunks, a handler does not parse at cold start what it loads only on first use
 * (docs/performance.md, section 7).
 */
export class PlatformFunction extends Construct {
  readonly function: LambdaFunction;
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

    const entry = join(props.projectRoot, props.entry);
    this.function = new LambdaFunction(this, "Function", {
      code: Code.fromAsset(props.projectRoot, {
        // The hash of the bundle, not of the project directory (node_modules included).
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: {
            tryBundle: (outputDir) => {
              bundleHandler(entry, outputDir);
              props.bundleFiles?.(outputDir);
              return true;
            },
          },
          // CDK requires an image to fall back to; local bundling always succeeds or throws.
          image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs24.x"),
          // CDK stages one asset per source directory and bundling options, and tells no two
          // `local` functions apart: without the entry here, every function got the first bundle.
          environment: { HANDLER_ENTRY: props.entry },
        },
      }),
      handler: "index.handler",
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
    });
  }
}
