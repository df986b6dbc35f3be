import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { localSqsClientConfig, pollQueue, startLocalSqs } from '#local/sqs.ts';
import type { LocalSqs } from '#local/sqs.ts';

describe('local SQS', () => {
  let sqs: LocalSqs;
  let client: SQSClient;

  before(async () => {
    sqs = await startLocalSqs();
    client = new SQSClient({ ...localSqsClientConfig, endpoint: sqs.endpoint });
  });
  after(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('listens on loopback and creates queues idempotently', async () => {
    assert.match(sqs.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const url = await sqs.createQueue('idempotent');
    assert.equal(await sqs.createQueue('idempotent'), url);
  });

  it('delivers messages sent with @aws-sdk/client-sqs as Lambda SQS event records and deletes them', async () => {
    const queueUrl = await sqs.createQueue('deliver');
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ platformId: 'p1' }),
        MessageAttributes: { trigger: { DataType: 'String', StringValue: 'schedule' } },
      }),
    );
    const controller = new AbortController();
    const received: SQSRecord[] = [];
    const polling = pollQueue(
      queueUrl,
      async (records) => {
        received.push(...records);
        controller.abort();
        return { batchItemFailures: [] };
      },
      { client, signal: controller.signal, waitTimeSeconds: 1 },
    );
    await polling;

    assert.equal(received.length, 1);
    const record = received[0];
    assert.ok(record);
    assert.deepEqual(JSON.parse(record.body), { platformId: 'p1' });
    assert.equal(record.eventSource, 'aws:sqs');
    assert.equal(record.eventSourceARN, 'arn:aws:sqs:us-east-1:000000000000:deliver');
    assert.equal(record.awsRegion, 'us-east-1');
    assert.equal(record.attributes.ApproximateReceiveCount, '1');
    assert.ok(record.messageId && record.receiptHandle && record.md5OfBody);
    assert.deepEqual(record.messageAttributes.trigger, { dataType: 'String', stringValue: 'schedule', stringListValues: [], binaryListValues: [] });

    await waitFor(async () => (await queueCounts(queueUrl)).total === 0);
  });

  it('redelivers the items a handler reports as failed, and only those', async () => {
    const queueUrl = await sqs.createQueue('redeliver', { VisibilityTimeout: '1' });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['ok-1', 'fails-once', 'ok-2'].map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    const controller = new AbortController();
    const deliveries: Array<{ body: string; receiveCount: string }> = [];
    const polling = pollQueue(
      queueUrl,
      async (records) => {
        deliveries.push(...records.map((record) => ({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount })));
        const failed = records.filter((record) => record.body === 'fails-once' && record.attributes.ApproximateReceiveCount === '1');
        if (deliveries.some((delivery) => delivery.body === 'fails-once' && delivery.receiveCount === '2')) controller.abort();
        return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
      },
      { client, signal: controller.signal, waitTimeSeconds: 1 },
    );
    const timeout = setTimeout(() => controller.abort(), 15_000);
    await polling;
    clearTimeout(timeout);

    assert.deepEqual(deliveries.map((delivery) => delivery.body).sort(), ['fails-once', 'fails-once', 'ok-1', 'ok-2']);
    assert.deepEqual(
      deliveries.filter((delivery) => delivery.body === 'fails-once').map((delivery) => delivery.receiveCount),
      ['1', '2'],
    );
    await waitFor(async () => (await queueCounts(queueUrl)).total === 0);
  });

  it('retries the whole batch when the handler throws', async () => {
    const queueUrl = await sqs.createQueue('throws', { VisibilityTimeout: '1' });
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'again' }));
    const controller = new AbortController();
    const receiveCounts: string[] = [];
    const polling = pollQueue(
      queueUrl,
      async (records) => {
        receiveCounts.push(...records.map((record) => record.attributes.ApproximateReceiveCount));
        if (receiveCounts.length === 1) throw new Error('transient');
        controller.abort();
      },
      { client, signal: controller.signal, waitTimeSeconds: 1 },
    );
    const timeout = setTimeout(() => controller.abort(), 15_000);
    await polling;
    clearTimeout(timeout);
    assert.deepEqual(receiveCounts, ['1', '2']);
  });

  async function queueCounts(queueUrl: string) {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    return { visible, inFlight, total: visible + inFlight };
  }
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
