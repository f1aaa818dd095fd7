import type { Logger } from 'pino';

/**
 * A follower's background loop (projections, webhook dispatch, group conditions): run a pass,
 * then sleep `pollMs` unless the pass says more is waiting or someone wakes it, until stopped.
 * A failed pass is logged and tried again on the next turn: a follower never dies of one error.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    /** Resolves true when there is more to do at once (a full batch was read). */
    private readonly pass: () => Promise<boolean | void>,
    private readonly options: { pollMs: number; what: string; logger?: Logger | undefined },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let more = false;
        try {
          more = (await this.pass()) === true;
        } catch (error) {
          this.options.logger?.error({ err: error }, `${this.options.what} failed; retrying`);
        }
        if (!this.running) break;
        if (!more) await this.sleep();
      }
    })();
  }

  /** Runs the next pass now rather than after the poll interval. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.pollMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }
}
