import type { EventMetadata, StoredEvent } from '../../src/events/envelope.js';

/**
 * Events as an event store hands them out, for feeding read models directly in conformance
 * suites: revisions counted per stream from 0, positions increasing across the whole log, one
 * second apart in time.
 */
export class TestLog {
  private position = 0n;
  private readonly revisions = new Map<string, number>();

  constructor(private readonly applicationId: string) {}

  /** A fresh read store starts its streams again; positions keep increasing, so ids stay unique. */
  restartStreams(): void {
    this.revisions.clear();
  }

  event(stream: string, type: string, data: unknown, actor: EventMetadata['actor'] = { type: 'platform_client', id: 'client-1' }): StoredEvent {
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    this.position += 1n;
    return {
      id: `${stream}-${revision}-${this.position}`,
      stream,
      revision,
      position: this.position,
      type,
      version: 1,
      data,
      metadata: { company_id: '559', application_id: this.applicationId, actor, correlation_id: 'c' },
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(this.position))).toISOString(),
    };
  }
}
