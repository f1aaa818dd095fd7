import type { DataKeys } from './dataKeys.js';
import type { StoredEvent } from './envelope.js';
import type { AppendRequest, AppendResult, EventStore, ReadAllOptions, ReadStreamOptions } from './eventStore.js';
import { carriesPersonalValues, subjectOf } from './personalData.js';
import { hasPersonalFields, openEvent, sealEvent, type SubjectKey } from './personalDataCodec.js';

/** A log that can also be read without awaiting: the embedded store, for rebuilds. */
export interface SyncEventLog {
  readAllSync(options: ReadAllOptions): StoredEvent[];
}

export interface EncryptingOptions {
  /** Told which people an append was about once it committed (the embedded key store drops their pending keys). */
  onCommitted?: (subjects: Set<string>) => void;
}

/** What a sealed event's ciphertext is bound to: its person and its own id. */
const bindingOf = (subject: string, eventId: string): string => `${subject}\u0000${eventId}`;

/** The people whose personal data these events carry. */
export function subjectsOf(events: Array<{ type: string; stream: string; data: unknown }>): Set<string> {
  const subjects = new Set<string>();
  for (const event of events) {
    if (!hasPersonalFields(event.type)) continue;
    const subject = subjectOf(event.stream, event.data);
    if (subject !== undefined) subjects.add(subject);
  }
  return subjects;
}

/**
 * The one place where personal data is sealed on the way into the log and opened on the way out
 * (crypto-shredding). Everything above it (deciders, projections, the feed, timelines, rebuilds,
 * consumers) sees plain events; everything below it (the stores, their files, backups) sees only
 * ciphertext. Once a person's key is destroyed their fields read as the erased marker.
 */
export class EncryptingEventStore implements EventStore, SyncEventLog {
  private readonly inFlight = new Map<string, unknown>();

  constructor(
    readonly inner: EventStore & Partial<SyncEventLog>,
    readonly keys: DataKeys,
    private readonly options: EncryptingOptions = {},
  ) {}

  async append(requests: AppendRequest[]): Promise<AppendResult> {
    // Whose each event is, found once: the keys are fetched for all of them together below.
    const subjectOfEvent = new Map<string, string>();
    for (const request of requests) {
      for (const event of request.events) {
        // A type with personal fields may carry none this time (a membership change by list, an
        // import batch without rejected rows): no key is made for it.
        if (!hasPersonalFields(event.type) || !carriesPersonalValues(event.type, event.data)) continue;
        const subject = subjectOf(request.stream, event.data);
        if (subject === undefined) throw new Error(`event ${event.type} carries personal data but names no person to encrypt it for`);
        subjectOfEvent.set(event.id, subject);
      }
    }
    if (subjectOfEvent.size === 0) return this.inner.append(requests);
    const subjects = new Set(subjectOfEvent.values());
    const keys = await this.keys.forWriting(subjects);
    const sealed = requests.map((request) => ({
      ...request,
      events: request.events.map((event) => {
        const subject = subjectOfEvent.get(event.id);
        const key = subject === undefined ? undefined : keys.get(subject);
        if (subject === undefined || key === undefined) return event;
        const { data, sealed } = sealEvent(event.type, event.data, key, bindingOf(subject, event.id));
        // The embedded store's inline projections see these events inside the append: they get
        // the clear data from here rather than by decrypting what was just encrypted.
        if (sealed !== undefined) this.inFlight.set(event.id, event.data);
        return { ...event, data, metadata: sealed === undefined ? event.metadata : { ...event.metadata, sealed } };
      }),
    }));
    try {
      const result = await this.inner.append(sealed);
      this.options.onCommitted?.(subjects);
      return result;
    } finally {
      for (const request of requests) for (const event of request.events) this.inFlight.delete(event.id);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const events = await this.inner.readStream(stream, options);
    return options.personalData === 'sealed' ? events : this.openAll(events);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  readAllSync(options: ReadAllOptions): StoredEvent[] {
    if (this.inner.readAllSync === undefined) throw new Error('this event store cannot be read synchronously');
    return this.openSync(this.inner.readAllSync(options));
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** For the embedded store's inline projections, which run inside the append's transaction. */
  openSync(events: StoredEvent[]): StoredEvent[] {
    if (this.inFlight.size === 0) return openEventsSync(events, this.keys);
    const opened = openEventsSync(
      events.filter((e) => !this.inFlight.has(e.id)),
      this.keys,
    );
    let next = 0;
    return events.map((event) => {
      const clear = this.inFlight.get(event.id);
      if (clear === undefined) return opened[next++] ?? event;
      const { sealed: _sealed, ...metadata } = event.metadata;
      return { ...event, data: clear, metadata };
    });
  }

  private async openAll(events: StoredEvent[]): Promise<StoredEvent[]> {
    const sealed = sealedSubjects(events);
    if (sealed.size === 0) return events;
    return openWith(events, await this.keys.forReading(sealed));
  }
}

function sealedSubjects(events: StoredEvent[]): Set<string> {
  const subjects = new Set<string>();
  for (const event of events) {
    if (event.metadata.sealed === undefined) continue;
    const subject = subjectOf(event.stream, event.data);
    if (subject !== undefined) subjects.add(subject);
  }
  return subjects;
}

function openWith(events: StoredEvent[], keys: Map<string, SubjectKey>): StoredEvent[] {
  return events.map((event) => {
    const { sealed, ...metadata } = event.metadata;
    if (sealed === undefined) return event;
    const subject = subjectOf(event.stream, event.data) ?? '';
    const data = openEvent(event.type, event.data, sealed, keys.get(subject), bindingOf(subject, event.id));
    return { ...event, data, metadata };
  });
}

/** Opens stored events without awaiting: for the embedded key store, and tools reading the file itself. */
export function openEventsSync(events: StoredEvent[], keys: DataKeys): StoredEvent[] {
  const sealed = sealedSubjects(events);
  if (sealed.size === 0) return events;
  return openWith(events, keys.forReadingSync(sealed));
}
