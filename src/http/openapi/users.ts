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
