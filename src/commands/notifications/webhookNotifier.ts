import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { PermanentJobError, errorMessage, type JobQueue } from '../../jobs/jobQueue.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import type { IdGenerator } from '../../shared/ids.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../webhooks/signature.js';
import type { Notification, Notifier } from './notifier.js';

export const DELIVER_NOTIFICATION = 'notification.deliver';

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs?: number;
}

/**
 * The recipient and the data (an OTP, a reset link) are sealed with the data key: the job
 * store — the SQLite file, Redis — keeps them only encrypted, for as long as it keeps the job.
 */
const deliveryJob = z.object({
  id: z.string(),
  created_at: z.string(),
  application_id: z.string(),
  channel: z.enum(['sms', 'email']),
  template: z.string(),
  sealed: z.string(),
});
const sealedPart = z.object({ to: z.string(), data: z.record(z.string(), z.string()) });

/** Hands each message to the job queue; `registerWebhookDelivery` POSTs it from there. */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly jobs: JobQueue,
    private readonly cipher: FieldCipher,
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
  ) {}

  async send(n: Notification): Promise<void> {
    const id = this.ids.objectId();
    const job: z.infer<typeof deliveryJob> = {
      id,
      created_at: this.now().toISOString(),
      application_id: n.application_id,
      channel: n.channel,
      template: n.template,
      sealed: this.cipher.encrypt(JSON.stringify({ to: n.to, data: n.data })),
    };
    await this.jobs.enqueue(DELIVER_NOTIFICATION, job, { jobId: `notification-${id}` });
  }
}

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs `{channel, to, template, data, application_id, id, created_at}`, signed twice: the event
 * webhooks' scheme (`X-User-Service-Signature: t=…,v1=…`, the attempt's time signed with the
 * body, so a captured request is refused once it is old), and the body-only `X-Signature` that
 * receivers written before it check. Anything but a 2xx in time fails the attempt, and the queue
 * retries it: the receiver may get a message twice and should drop a repeated `id`.
 */
export function registerWebhookDelivery(jobs: JobQueue, cipher: FieldCipher, target: WebhookTarget, now: () => Date): void {
  const timeoutMs = target.timeoutMs ?? 5000;
  jobs.register(DELIVER_NOTIFICATION, async (payload) => {
    const parsed = deliveryJob.safeParse(payload);
    if (!parsed.success) throw new PermanentJobError('a notification job payload does not parse');
    const { sealed, ...message } = parsed.data;
    const { to, data } = sealedPart.parse(JSON.parse(cipher.decrypt(sealed)));
    const body = JSON.stringify({ channel: message.channel, to, template: message.template, data, application_id: message.application_id, id: message.id, created_at: message.created_at });
    const timestamp = Math.floor(now().getTime() / 1000);
    let response: Response;
    try {
      response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signatureHeader(target.secret, timestamp, body),
          'x-signature': signatureOf(body, target.secret),
          'x-timestamp': String(timestamp),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // The error names the failure only: the recipient and the data never enter it, so never a log line.
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new Error(`the notification webhook could not be reached (${errorMessage(error)}${cause})`);
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the notification webhook answered ${response.status}`);
  });
}
