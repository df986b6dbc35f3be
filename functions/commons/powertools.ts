import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const serviceName = process.env['POWERTOOLS_SERVICE_NAME'] ?? 'inventory';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: 'Inventory' });
