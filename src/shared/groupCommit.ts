export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the embedded SQLite stores: what is submitted during one turn of the event
 * loop is written together on the next, in one transaction, so that concurrent requests share
 * a commit instead of paying one each. `write` gets the items in submission order and returns
 * one outcome per item; throwing fails every item of the group.
 */
export class GroupCommit<T, R> {
  private pending: Pending<T, R>[] = [];

  constructor(private readonly write: (items: T[]) => Outcome<R>[]) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    let outcomes: Outcome<R>[];
    try {
      outcomes = this.write(group.map((p) => p.item));
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) p.reject(new Error('group commit: no outcome for an item'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
