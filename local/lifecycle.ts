import { rmSync } from 'node:fs';
import { writeFileAtomically } from './state';

/**
 * What `npm start` promises about outputs.json: it exists only while every part answers. Stopping removes it
 * before the parts stop and again after, and nothing writes it once a stop has begun: a start still waiting on
 * its probes when the stop came must not publish a stack that is being torn down.
 */
export class StackLifecycle {
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stopped: Promise<void> | undefined;
  /** Set before the first part stops, which may already let a waiting start resume. */
  private stopRequested = false;

  constructor(private readonly outputsFile: string) {}

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** How to stop a part that has started; one that starts while the stack stops is stopped with the rest. */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Writes outputs.json unless the stack is stopping; says whether it did. */
  publish(content: string): boolean {
    if (this.stopping) return false;
    writeFileAtomically(this.outputsFile, content);
    return true;
  }

  /** Stops every part, the last started first; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.stopped ??= (async () => {
      rmSync(this.outputsFile, { force: true });
      for (let cleanup = this.cleanups.pop(); cleanup; cleanup = this.cleanups.pop()) {
        await cleanup().catch(() => undefined);
      }
      rmSync(this.outputsFile, { force: true });
    })();
    return this.stopped;
  }
}
