/**
 * The HTTP API: one route per catalog API function, IAM (SigV4) authorization
 * on every route except the public ones, access logs in a log group and
 * default-stage throttling.
 */
import type { RemovalPolicy} from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiRoute } from '#functions/catalog.ts';

/** HTTP API ($context variables of HTTP APIs, not REST APIs), one JSON object a line. */
const HTTP_API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  sourceIp: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
};

export interface ApiRouteBinding {
  id: string;
  route: ApiRoute;
  fn: lambda.IFunction;
}

export interface InventoryHttpApiProps {
  routes: readonly ApiRouteBinding[];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class InventoryHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: InventoryHttpApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Inventory collector API',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(HTTP_API_ACCESS_LOG_FIELDS)),
      },
    });

    const iamAuthorizer = new HttpIamAuthorizer();
    const none = new apigwv2.HttpNoneAuthorizer();
    for (const { id: routeId, route, fn } of props.routes) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${routeId}-integration`, fn),
        authorizer: route.public ? none : iamAuthorizer,
      });
      if (route.public && added) {
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (health check / OpenAPI document) and returns no inventory data.`,
        });
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
