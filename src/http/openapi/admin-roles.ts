import { ROLE_NAME } from '../../roles/roles.js';
import { roleBody, userRolesBody } from '../admin-role-routes.js';
import { userId } from './admin-users.js';
import { JSON_BODY_ERRORS, dateTime, empty, errors, json, jsonRequest, ref, uuid, pathParameter } from './components.js';
import type { Paths, Schema } from './types.js';

// Admin API: roles and users' roles (src/http/admin-role-routes.ts; CONTRACT Part 2 "Scopes, roles
// and permissions").

const tags = ['admin: roles'];
const roleNameSchema: Schema = { type: 'string', pattern: ROLE_NAME.source };
const roleName = pathParameter('name', {
  description: 'The role name: letters, digits and `_ . : -`, at most 64 characters.',
});
const permissions: Schema = { type: 'array', items: { type: 'string' }, uniqueItems: true };

export const adminRoleSchemas: Record<string, Schema> = {
  Role: {
    type: 'object',
    properties: {
      name: roleNameSchema,
      permissions: { ...permissions, description: 'Sorted, without duplicates.' },
      description: { type: ['string', 'null'] },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
    required: ['name', 'permissions', 'description', 'createdAt', 'updatedAt'],
    additionalProperties: false,
  },
};

export function adminRolePaths(): Paths {
  return {
    '/admin/roles': {
      get: {
        operationId: 'listRoles',
        summary: 'Every role',
        tags,
        responses: {
          200: json('The roles.', {
            type: 'object',
            properties: { roles: { type: 'array', items: ref('schemas/Role') } },
            required: ['roles'],
            additionalProperties: false,
          }),
        },
      },
    },
    '/admin/roles/{name}': {
      get: {
        operationId: 'getRole',
        summary: 'One role',
        tags,
        parameters: [roleName],
        responses: { 200: json('The role.', ref('schemas/Role')), ...errors({ 404: 'not_found' }) },
      },
      put: {
        operationId: 'putRole',
        summary: 'Create or replace a role',
        description: 'Refused with 400 (nothing written) when a token of a user holding the role would exceed its size limit.',
        tags,
        parameters: [roleName],
        requestBody: jsonRequest(roleBody, { required: true }),
        responses: {
          200: json('The role, replaced.', ref('schemas/Role')),
          201: json('The role, created.', ref('schemas/Role')),
          ...errors(JSON_BODY_ERRORS),
        },
      },
      delete: {
        operationId: 'deleteRole',
        summary: 'Delete a role; its holders lose it',
        tags,
        parameters: [roleName],
        responses: { 204: empty('Deleted.'), ...errors({ 404: 'not_found' }) },
      },
    },
    '/admin/users/{id}/roles': {
      put: {
        operationId: 'setUserRoles',
        summary: "Replace a user's roles",
        description: 'An unknown role is 400 naming it; nothing is written then.',
        tags,
        parameters: [userId],
        requestBody: jsonRequest(userRolesBody, { required: true }),
        responses: {
          200: json("The user's roles and the permissions they give.", {
            type: 'object',
            properties: { id: uuid, roles: { type: 'array', items: roleNameSchema }, permissions },
            required: ['id', 'roles', 'permissions'],
            additionalProperties: false,
          }),
          ...errors({ ...JSON_BODY_ERRORS, 404: 'not_found' }),
        },
      },
    },
  };
}
