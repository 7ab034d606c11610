import { randomFillSync } from "node:crypto";

/**
 * Random 32-bit request sequences, as chronyc draws them; drawn from a refilled pool because a busy
 * client sends thousands of requests a second.
 */
export class SequenceSource {
  private readonly pool = new Uint32Array(256);
  private next = this.pool.length;

  draw(): number {
    if (this.next === this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    return this.pool[this.next++];
  }
}
