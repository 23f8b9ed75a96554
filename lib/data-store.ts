import type { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

export interface DataStoreProps {
  readonly removalPolicy: RemovalPolicy;
}

/** The single table holding API keys, endpoints, events and the delivery log. */
export class DataStore extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataStoreProps) {
    super(scope, id);

    // Table (AWS::DynamoDB::Table), not TableV2 (AWS::DynamoDB::GlobalTable): the platform is
    // single-region, and cdk-nag's point-in-time-recovery check (DDB3) reads only AWS::DynamoDB::Table.
    this.table = new Table(this, "Table", {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The delivery log expires through TTL: deletes by TTL cost no write units.
      timeToLiveAttribute: "expires_at",
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
    });
  }
}
