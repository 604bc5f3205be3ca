import type { PrismaClient } from './generated/client.js';
import type { Prisma } from './generated/client.js';

export type SecurityEventType =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_locked'
  | 'user_registered'
  | 'refresh_reuse_detected'
  | 'session_expired'
  | 'logout'
  | 'logout_all'
  | 'logout_others'
  | 'session_revoked'
  | 'password_changed'
  | 'password_change_failed'
  | 'password_reset_issued'
  | 'password_reset'
  | 'password_reset_failed'
  | 'user_disabled'
  | 'user_enabled'
  | 'user_deleted'
  | 'key_created'
  | 'key_activated'
  | 'key_retired'
  | 'key_removed'
  | 'key_revoked'
  | 'admin_user_created'
  | 'admin_sessions_revoked'
  | 'admin_key_rotated'
  | 'admin_key_revoked'
  | 'admin_client_created'
  | 'admin_client_secret_rotated'
  | 'admin_client_deleted'
  | 'admin_role_set'
  | 'admin_role_deleted'
  | 'admin_user_roles_set'
  | 'client_auth_failed'
  | 'token_revoked';

export interface SecurityEvent {
  type: SecurityEventType;
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** Ids and reasons only: never a password, token or key. */
  details?: Record<string, string | number | boolean | null>;
}

export interface StoredSecurityEvent extends SecurityEvent {
  id: bigint;
  createdAt: Date;
}

export function securityEventRow(event: SecurityEvent, now: Date): Prisma.SecurityEventCreateInput {
  return {
    type: event.type,
    createdAt: now,
    userId: event.userId ?? null,
    sessionId: event.sessionId ?? null,
    ip: event.ip ?? null,
    requestId: event.requestId ?? null,
    details: event.details ?? {},
  };
}

export class SecurityEventStore {
  constructor(private readonly prisma: PrismaClient | Prisma.TransactionClient) {}

  async record(event: SecurityEvent, now: Date): Promise<void> {
    await this.prisma.securityEvent.create({ data: securityEventRow(event, now) });
  }

  async list(filter: { type?: SecurityEventType; sessionId?: string; userId?: string } = {}): Promise<StoredSecurityEvent[]> {
    const rows = await this.prisma.securityEvent.findMany({ where: filter, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ ...r, type: r.type as SecurityEventType, details: r.details as SecurityEvent['details'] }));
  }
}
