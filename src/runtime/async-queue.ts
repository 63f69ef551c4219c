/** A push-fed async iterable: what a callback source (events) hands to `for await`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((err: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) this.settle({ value: item, done: false });
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    if (this.waiting) this.settle({ value: undefined, done: true });
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    const f = this.failWaiting;
    this.waiting = this.failWaiting = undefined;
    f?.(err);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return;
      const r = await new Promise<IteratorResult<T>>((resolve, reject) => {
        this.waiting = resolve;
        this.failWaiting = reject;
      });
      if (r.done) return;
      yield r.value;
    }
  }

  private settle(r: IteratorResult<T>): void {
    const w = this.waiting!;
    this.waiting = this.failWaiting = undefined;
    w(r);
  }
}
