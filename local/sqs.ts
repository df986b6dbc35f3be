/**
 * SQS for the local stack: fauxqs runs in process and speaks the protocol of
 * `@aws-sdk/client-sqs`, so app code only needs the endpoint. pollQueue is the local
 * counterpart of a Lambda SQS event source mapping with ReportBatchItemFailures.
 */
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { buildApp } from 'fauxqs';

export interface LocalSqs {
  /** Give this to SQSClient as `endpoint`. */
  endpoint: string;
  /** Creates the queue (or finds the existing one with the same attributes) and returns its URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

/** Any region and credentials work; fixed ones keep the SDK from looking for real ones. */
export const localSqsClientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export async function startLocalSqs(options: { port?: number } = {}): Promise<LocalSqs> {
  // buildApp rather than startFauxqs: startFauxqs always listens on 0.0.0.0, and an
  // unauthenticated queue has no business on the network; this one listens on loopback only.
  const app = buildApp({ logger: false });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ ...localSqsClientConfig, endpoint });
  return {
    endpoint,
    createQueue: async (name, attributes) => {
      const created = await client.send(new CreateQueueCommand({ QueueName: name, ...(attributes ? { Attributes: attributes } : {}) }));
      if (!created.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
      // fauxqs names queues sqs.<region>.localhost, which glibc does not resolve, and the
      // SDK calls the queue URL itself: hand out the same queue on this loopback endpoint.
      const url = new URL(created.QueueUrl);
      url.host = new URL(endpoint).host;
      return url.toString();
    },
    stop: async () => {
      client.destroy();
      await app.close();
    },
  };
}

export type SqsBatchHandler = (records: SQSRecord[]) => Promise<SQSBatchResponse | void>;

export interface PollQueueOptions {
  client: SQSClient;
  /** Aborting ends the poll loop, also in the middle of a long poll. */
  signal: AbortSignal;
  /** Messages per batch, as the event source mapping's BatchSize (at most 10 per receive). */
  batchSize?: number;
  waitTimeSeconds?: number;
}

/**
 * Long-polls a queue and hands each batch to the handler as a Lambda SQS event's records.
 * Like the event source mapping with ReportBatchItemFailures: the batch's messages are
 * deleted except those the handler lists in batchItemFailures; a handler that throws, or
 * that names a message not in the batch, fails the whole batch. Failed messages are left
 * alone and come back once the queue's visibility timeout expires, as in AWS.
 */
export async function pollQueue(queueUrl: string, onMessages: SqsBatchHandler, options: PollQueueOptions): Promise<void> {
  const { client, signal } = options;
  const region = await client.config.region();
  const eventSourceARN = await queueArn(client, queueUrl, signal);

  while (!signal.aborted) {
    let messages: Message[];
    try {
      const received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(options.batchSize ?? 10, 10),
          WaitTimeSeconds: options.waitTimeSeconds ?? 20,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (signal.aborted) return;
      console.error(`pollQueue ${queueUrl}: receive failed, retrying in 1 s:`, error);
      await sleep(1000, signal);
      continue;
    }
    if (messages.length === 0) continue;

    const records = messages.map((message) => toRecord(message, eventSourceARN, region));
    const succeeded = await succeededRecords(records, onMessages);
    if (succeeded.length === 0) continue;
    try {
      const deleted = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: succeeded.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of deleted.Failed ?? []) console.error(`pollQueue ${queueUrl}: delete failed: ${failure.Code} ${failure.Message ?? ''}`);
    } catch (error) {
      // Undeleted messages are redelivered: the handler must be idempotent, as in AWS.
      console.error(`pollQueue ${queueUrl}: delete failed:`, error);
    }
  }
}

async function succeededRecords(records: SQSRecord[], onMessages: SqsBatchHandler): Promise<SQSRecord[]> {
  let response: SQSBatchResponse | void;
  try {
    response = await onMessages(records);
  } catch (error) {
    console.error('pollQueue: handler failed, the whole batch will be retried:', error);
    return [];
  }
  const failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  const known = new Set(records.map((record) => record.messageId));
  // AWS treats an empty or unknown identifier as a failure of the whole batch.
  for (const id of failedIds) if (!id || !known.has(id)) return [];
  return records.filter((record) => !failedIds.has(record.messageId));
}

async function queueArn(client: SQSClient, queueUrl: string, signal: AbortSignal): Promise<string> {
  const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal: signal });
  return attributes.Attributes?.QueueArn ?? queueUrl;
}

function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

/** ReceiveMessage spells attributes in PascalCase with bytes; Lambda events use camelCase and base64. */
function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((bytes) => Buffer.from(bytes).toString('base64')),
      },
    ]),
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
