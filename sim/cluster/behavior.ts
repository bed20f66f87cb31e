/**
 * What faults do to a host's application code (the simulated endpoint): slow handlers
 * (a service time far above normal) and hung handlers (a handler blocks until the hang
 * window ends; the server's concurrency slots fill up behind it). Lives on the host, so a
 * restarted process inherits an ongoing window, as a slow disk or a stuck dependency would.
 */
export class HostBehavior {
  /** Mean handler time while slow windows are active (the latest one wins); 0 = normal. */
  slowServiceMs = 0;
  private slowWindows = 0;
  private hangWindows = 0;
  private hung: (() => void)[] = [];

  startSlow(serviceMs: number): () => void {
    this.slowWindows++;
    this.slowServiceMs = serviceMs;
    return () => {
      if (--this.slowWindows === 0) this.slowServiceMs = 0;
    };
  }

  startHang(): () => void {
    this.hangWindows++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.hangWindows > 0) return;
      const release = this.hung;
      this.hung = [];
      for (const r of release) r();
    };
  }

  /**
   * A promise the handler must await while a hang window is active, else undefined. It
   * resumes through the process gate (`enter`): not while paused, never after a crash.
   */
  hangIfActive(enter: (fn: () => void) => void): Promise<void> | undefined {
    if (this.hangWindows === 0) return undefined;
    return new Promise<void>((resolve) => this.hung.push(() => enter(resolve)));
  }
}
