import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors.js';
import { ROLE_NAME, assignRoles, deleteRole, setRole } from '../roles/roles.js';
import type { Services } from '../services.js';
import type { RoleRecord } from '../store/roles.js';
import { scopeTokenSchema } from './admin-client-routes.js';
import { requestContext } from './context.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { parse } from './validate.js';

// Admin API for roles (CONTRACT Part 2 "Scopes, roles and permissions"): /admin/roles…, /admin/users/:id/roles.

const roleName = z.string().regex(ROLE_NAME, 'must be a role name: letters, digits and _ . : -, at most 64 characters');
const roleParam = z.strictObject({ name: roleName });
export const roleBody = z.strictObject(
  {
    permissions: z.array(scopeTokenSchema, { message: 'must be an array of permissions' }).max(1000, 'at most 1000 permissions'),
    description: z.string({ message: 'must be a string' }).max(500, 'at most 500 characters').optional(),
  },
  { message: 'must be a JSON object' },
);
export const userRolesBody = z.strictObject(
  { roles: z.array(roleName, { message: 'must be an array of role names' }).max(100, 'at most 100 roles') },
  { message: 'must be a JSON object' },
);
const userIdParam = z.strictObject({ id: z.uuid({ message: 'must be a user id (UUID)' }) });

export function adminRoleRoutes(deps: Services): Router {
  const router = Router();

  router
    .route('/roles')
    .get(async (_req, res) => {
      res.json({ roles: (await deps.store.roles.list()).map(roleView) });
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  router
    .route('/roles/:name')
    .get(async (req, res) => {
      const name = roleParam.safeParse(req.params).data?.name;
      const role = name ? await deps.store.roles.find(name) : null;
      if (!role) throw notFound('no such role');
      res.json(roleView(role));
    })
    .put(jsonBody({ required: true }), async (req, res) => {
      const { name } = parse(roleParam, req.params, 'name');
      const body = parse(roleBody, req.body);
      const { created, role } = await setRole(
        deps,
        { name, permissions: body.permissions, description: body.description ?? null },
        requestContext(req),
      );
      await deps.scopeCatalog.refresh();
      res.status(created ? 201 : 200).json(roleView(role));
    })
    .delete(async (req, res) => {
      const name = roleParam.safeParse(req.params).data?.name;
      if (!name) throw notFound('no such role');
      await deleteRole(deps, name, requestContext(req));
      await deps.scopeCatalog.refresh();
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'HEAD', 'PUT', 'DELETE'));

  router
    .route('/users/:id/roles')
    .put(jsonBody({ required: true }), async (req, res) => {
      const { id } = parse(userIdParam, req.params, 'id');
      const { roles } = parse(userRolesBody, req.body);
      const grants = await assignRoles(deps, id, roles, requestContext(req));
      res.json({ id, roles: grants.roles, permissions: grants.permissions });
    })
    .all(methodNotAllowed('PUT'));

  return router;
}

function roleView(r: RoleRecord) {
  return {
    name: r.name,
    permissions: r.permissions,
    description: r.description,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
