// Flow control per key: a token bucket holding one second's worth of requests.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly perSecond: number, now: number) {
    this.tokens = Math.max(1, perSecond);
    this.last = now;
  }

  /** 0 when the request may go ahead, else the whole seconds to wait before retrying. */
  take(now: number): number {
    const capacity = Math.max(1, this.perSecond);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
