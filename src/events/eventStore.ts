import type { NewEvent, StoredEvent } from './envelope.js';

/** `no_stream`: the stream must not exist; a number: the revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | number;

export interface AppendRequest {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: NewEvent[];
}

export interface AppendResult {
  /** Position of the last event written (or already present, for an idempotent retry). */
  position: bigint;
  revisions: Record<string, number>;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. */
  after?: bigint;
  limit: number;
  /** Only streams whose name starts with one of these. */
  streamPrefixes?: string[];
}

export interface ReadStreamOptions {
  /**
   * `sealed`: personal fields come back as stored, encrypted, for a reader that never looks at
   * them; it skips fetching the person's key and decrypting. Stores that do not encrypt ignore it.
   */
  personalData?: 'open' | 'sealed';
  /**
   * Only the newest `latest` events, still oldest first: for an aggregate whose state is its
   * last event, whose stream grows with every write while its read should not.
   */
  latest?: number;
}

export interface EventStore {
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /**
   * Appends to one or more streams. The embedded store writes them all or none; EventStoreDB
   * cannot append to several streams atomically, so it writes them in order and stops at the
   * first failure (callers order requests so that a partial write is harmless; see README).
   */
  append(requests: AppendRequest[]): Promise<AppendResult>;
  readAll(options: ReadAllOptions): Promise<StoredEvent[]>;
  /** Position of the newest event in the log, 0n when empty. */
  headPosition(): Promise<bigint>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, found ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

