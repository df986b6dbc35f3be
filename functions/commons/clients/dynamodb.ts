import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Built once per container. The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB in the local stack. */
export const dynamoDbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
