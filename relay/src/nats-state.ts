import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@platform-metrics/sdk/service";

export type NatsConnectionState = "connecting" | "connected" | "disconnected" | "closed";

/**
 * The NATS connection's real state, from the client's status events: the client reconnects by itself
 * and forever, so `isClosed()` stays false through an outage of any length. Logs each change.
 */
export class NatsState {
  private current: NatsConnectionState = "connecting";
  private disconnectedAt = 0;

  constructor(private readonly log: Logger) {}

  get state(): NatsConnectionState {
    return this.current;
  }

  /** Follows `nc` from now on (call right after connecting); returns when the connection is closed. */
  async follow(nc: NatsConnection): Promise<void> {
    this.current = "connected";
    void nc.closed().then((error) => {
      this.current = "closed";
      if (error) this.log.error({ err: error.message }, "NATS connection closed");
    });
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          this.disconnectedAt = Date.now();
          this.current = "disconnected";
          this.log.warn({ server: status.server }, "disconnected from NATS; not ready until reconnected");
          break;
        case "reconnect":
          this.current = "connected";
          this.log.info(
            { server: status.server, disconnectedForMs: Date.now() - this.disconnectedAt },
            "reconnected to NATS",
          );
          break;
        case "ldm":
          this.log.warn({ server: status.server }, "NATS server entering lame duck mode; will move");
          break;
        case "staleConnection":
          this.log.warn("NATS connection stale (no answer to pings); reconnecting");
          break;
        case "error":
          this.log.warn({ err: status.error.message }, "NATS server error");
          break;
        default:
          break;
      }
    }
  }
}
