import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document, type Filter, type WithoutId } from 'mongodb';

const DUPLICATE_KEY = 11000;

/**
 * Replaces the document with the given id only if the stored one is of an older stream revision,
 * and inserts it when there is none: applying an event twice, or after a newer one, changes nothing.
 */
export function replaceIfNewer<T extends Document & { _id: string; revision: number }>(
  id: string,
  replacement: WithoutId<T>,
): AnyBulkWriteOperation<T> {
  // Both fields belong to T; the driver's Filter type cannot check that through a type parameter.
  const filter = { _id: id, revision: { $lt: replacement.revision } } as Filter<T>;
  return { replaceOne: { filter, replacement, upsert: true } };
}

/** Indexes of the writes that failed on the key only; undefined when anything else went wrong. */
function duplicateKeyFailures(error: unknown): number[] | undefined {
  if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError() !== undefined) return undefined;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) return undefined;
  return errors.map((e) => e.index);
}

/**
 * Runs `replaceIfNewer` writes (one per document) in any order. An upsert fails on the key when
 * the document exists but is not older, or was inserted meanwhile by a concurrent writer; tried
 * once more, the document now exists, so a second failure can only mean it is already newer.
 */
export async function writeNewer<T extends Document>(collection: Collection<T>, writes: AnyBulkWriteOperation<T>[]): Promise<void> {
  let pending = writes;
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    try {
      // Absent optional fields must stay absent (not null): readers get the view as it was built.
      await collection.bulkWrite(pending, { ordered: false, ignoreUndefined: true });
      return;
    } catch (error) {
      const failed = duplicateKeyFailures(error);
      if (failed === undefined) throw error;
      if (attempt === 2) return;
      pending = failed.map((i) => pending[i]).filter((w) => w !== undefined);
    }
  }
}
