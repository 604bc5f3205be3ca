import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { SecurityEvent, SecurityEventStore } from './store/security-events.js';

/**
 * Security events go to two places: the `security_events` table and one JSON log line each.
 * Events carry ids and reasons only; secrets never reach this type.
 */
export class Audit {
  constructor(
    private readonly events: SecurityEventStore,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** Writes the row, then the log line. */
  async record(event: SecurityEvent): Promise<void> {
    await this.events.record(event, this.clock.now());
    this.logged(event);
  }

  /** For events whose row was already written inside a store transaction. */
  logged(event: SecurityEvent): void {
    const { type, ...rest } = event;
    this.logger.info({ securityEvent: type, ...rest }, `security event ${type}`);
  }
}
