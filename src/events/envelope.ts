export type ActorType = 'platform_client' | 'user' | 'system';
export interface Actor {
  type: ActorType;
  id: string;
}

/** Who did it and why, carried by every event: the audit trail is the event log itself. */
export interface EventMetadata {
  company_id: string;
  application_id?: string;
  actor: Actor;
  correlation_id: string;
  causation_id?: string;
  /**
   * The event's personal values, encrypted with its person's data key (crypto-shredding). Only
   * in the stored log: the encrypting event store removes it on read.
   */
  sealed?: string;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  version: number;
  data: Data;
  metadata: EventMetadata;
  occurred_at: string;
}

export interface StoredEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  stream: string;
  /** 0-based index of the event within its stream. */
  revision: number;
  /** Global, strictly increasing position in the log. */
  position: bigint;
}

/** An event as a decider returns it, before the handler stamps id, metadata and time on it. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}
