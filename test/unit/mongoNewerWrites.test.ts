import { MongoBulkWriteError, type AnyBulkWriteOperation, type BulkWriteResult, type Collection, type WriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { replaceIfNewer, writeNewer } from '../../src/projections/mongo/newerRevisionWrites.js';

interface Doc {
  _id: string;
  name: string;
  revision: number;
}

/** What bulkWrite throws when some writes of an unordered batch failed on the key. */
function duplicateKeyError(indexes: number[], writeConcernFailed = false): MongoBulkWriteError {
  const result = { getWriteConcernError: () => (writeConcernFailed ? { code: 64 } : undefined) } as unknown as BulkWriteResult;
  // The driver's WriteError class is not exported; the adapter only reads its code and index.
  const writeErrors = indexes.map((index) => ({ code: 11000, index, errmsg: 'E11000 duplicate key' }) as unknown as WriteError);
  return new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors }, result);
}

/** Records each bulkWrite call and fails it as the test says. */
function collection(failures: Array<Error | undefined>) {
  const calls: AnyBulkWriteOperation<Doc>[][] = [];
  const fake = {
    bulkWrite: async (writes: AnyBulkWriteOperation<Doc>[]) => {
      calls.push(writes);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return {};
    },
  };
  return { calls, collection: fake as unknown as Collection<Doc> };
}

describe('writes guarded by stream revision', () => {
  it('replaces only an older revision, inserting when there is none', () => {
    expect(replaceIfNewer<Doc>('a', { name: 'Ann', revision: 3 })).toEqual({
      replaceOne: { filter: { _id: 'a', revision: { $lt: 3 } }, replacement: { name: 'Ann', revision: 3 }, upsert: true },
    });
  });

  it('tries the writes that lost a race once more, then takes a second key failure as "already newer"', async () => {
    const writes = ['a', 'b', 'c'].map((id) => replaceIfNewer<Doc>(id, { name: id, revision: 1 }));
    const subject = collection([duplicateKeyError([0, 2]), duplicateKeyError([1])]);
    await writeNewer(subject.collection, writes);
    expect(subject.calls).toEqual([writes, [writes[0], writes[2]]]);
  });

  it('rethrows anything but key failures', async () => {
    const writes = [replaceIfNewer<Doc>('a', { name: 'a', revision: 1 })];
    await expect(writeNewer(collection([new Error('network')]).collection, writes)).rejects.toThrow('network');
    await expect(writeNewer(collection([duplicateKeyError([0], true)]).collection, writes)).rejects.toBeInstanceOf(MongoBulkWriteError);
  });

  it('writes nothing for an empty batch', async () => {
    const subject = collection([]);
    await writeNewer(subject.collection, []);
    expect(subject.calls).toEqual([]);
  });
});
