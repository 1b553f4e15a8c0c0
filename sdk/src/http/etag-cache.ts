/** The last body seen per URL with its ETag, for conditional requests; the oldest entry goes first. */
export class EtagCache {
  private readonly entries = new Map<string, { etag: string; body: Buffer }>();

  constructor(private readonly maxEntries: number) {}

  get(url: string): { etag: string; body: Buffer } | undefined {
    const entry = this.entries.get(url);
    if (entry !== undefined) {
      this.entries.delete(url);
      this.entries.set(url, entry);
    }
    return entry;
  }

  set(url: string, etag: string, body: Buffer): void {
    this.entries.delete(url);
    this.entries.set(url, { etag, body });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(url: string): void {
    this.entries.delete(url);
  }
}
