import { dateTime, uuid } from './components.js';
import type { Schema } from './types.js';

// A user as the public and the admin API show it.

export const userSchemas: Record<string, Schema> = {
  User: {
    type: 'object',
    properties: { id: uuid, email: { type: 'string', format: 'email' }, createdAt: dateTime },
    required: ['id', 'email', 'createdAt'],
    additionalProperties: false,
  },
  CreatedUser: {
    type: 'object',
    properties: { id: uuid, email: { type: 'string', format: 'email' } },
    required: ['id', 'email'],
    additionalProperties: false,
  },
};

/** GET /auth/me (public listener only): the user and what it holds now (what the next refresh carries). */
export const currentUserSchemas: Record<string, Schema> = {
  CurrentUser: {
    type: 'object',
    properties: {
      id: uuid,
      email: { type: 'string', format: 'email' },
      createdAt: dateTime,
      roles: { type: 'array', items: { type: 'string' } },
      permissions: { type: 'array', items: { type: 'string' } },
    },
    required: ['id', 'email', 'createdAt', 'roles', 'permissions'],
    additionalProperties: false,
  },
};
