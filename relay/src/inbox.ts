/**
 * The prefix of the relay's reply subjects (its connection's inboxPrefix and its pull requests'
 * inboxes). Pulled messages are delivered to them, so they must not be under `_INBOX.`, which
 * collectors may subscribe to for their publish acks: with its own prefix, a collector's NATS user
 * (deploy/nats/auth.conf) cannot read what the relay pulls.
 */
export const RELAY_INBOX_PREFIX = "_INBOX_relay";
