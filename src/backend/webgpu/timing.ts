/**
 * GPU timing of compute passes (benchmarks only; needs the 'timestamp-query' feature): while `on`,
 * each new compute pass writes a timestamp at its start and end; a submit resolves them into a
 * buffer that is read back asynchronously. bench-hooks.ts switches it on and collects durations.
 */
import { MAP_MODE_READ, USAGE } from './buffers.js';

const MAX_QUERIES = 512;

export class PassTimer {
  /** Whether new compute passes get timestamp writes. */
  on = false;
  private used = 0;
  private reads: Promise<number[]>[] = [];

  private constructor(
    private readonly device: GPUDevice,
    private readonly querySet: GPUQuerySet,
  ) {}

  /** A timer, or null where the device has no timestamp queries. */
  static create(device: GPUDevice): PassTimer | null {
    return device.features.has('timestamp-query') ? new PassTimer(device, device.createQuerySet({ type: 'timestamp', count: MAX_QUERIES })) : null;
  }

  /** Whether the query set is full (the recorded work must be submitted before the next timed pass). */
  full(): boolean {
    return this.on && this.used + 2 > MAX_QUERIES;
  }

  /** The timestamp writes of a new pass (undefined while off). */
  writes(): GPUComputePassTimestampWrites | undefined {
    if (!this.on) return undefined;
    const q = this.used;
    this.used += 2;
    return { querySet: this.querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 };
  }

  /** Records the resolve of this command buffer's timestamps (before its finish). */
  resolve(enc: GPUCommandEncoder): void {
    const n = this.used;
    if (n === 0) return;
    const d = this.device;
    const resolved = d.createBuffer({ size: n * 8, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC });
    const read = d.createBuffer({ size: n * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    enc.resolveQuerySet(this.querySet, 0, n, resolved, 0);
    enc.copyBufferToBuffer(resolved, 0, read, 0, n * 8);
    this.used = 0;
    this.reads.push(
      (async () => {
        await Promise.resolve(); // after this flush's submit
        await read.mapAsync(MAP_MODE_READ);
        const t = new BigUint64Array(read.getMappedRange().slice(0));
        read.destroy();
        resolved.destroy();
        const ms: number[] = [];
        for (let k = 0; k + 1 < n; k += 2) ms.push(Number(t[k + 1]! - t[k]!) / 1e6);
        return ms;
      })(),
    );
  }

  /** Durations (ms) of the timed passes resolved so far (after a sync). */
  async take(): Promise<number[]> {
    const all = await Promise.all(this.reads.splice(0));
    return all.flat();
  }
}
