import { Router } from 'express';
import { z } from 'zod';
import { deleteClient, registerClient, rotateClientSecret } from '../clients/registry.js';
import { notFound } from '../errors.js';
import { isScopeToken } from '../oauth/scope.js';
import type { Services } from '../services.js';
import type { ClientRecord } from '../store/clients.js';
import { requestContext } from './context.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { parse } from './validate.js';

// Admin API for registered clients (CONTRACT Part 2 "Clients"): /admin/clients…

const GRANT_TYPES = ['client_credentials', 'refresh_token'] as const;
const MAX_GRACE_SECONDS = 30 * 86_400;

export const scopeTokenSchema = z
  .string({ message: 'must be a string' })
  .refine(isScopeToken, 'must be a scope token (RFC 6749 §3.3: printable ASCII, no space, " or \\, at most 128 characters)');

const uniqueList = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item, { message: 'must be an array' })
    .max(max, `at most ${max} entries`)
    .transform((list) => [...new Set(list)] as z.output<T>[]);

export const createClientBody = z.strictObject(
  {
    name: z.string({ message: 'must be a string' }).trim().min(1, 'is required').max(200, 'at most 200 characters'),
    type: z.enum(['confidential', 'public'], { message: 'must be "confidential" or "public"' }),
    grant_types: uniqueList(z.enum(GRANT_TYPES, { message: `must be one of ${GRANT_TYPES.join(', ')}` }), 2).default([]),
    scopes: uniqueList(scopeTokenSchema, 500).default([]),
    audience: z
      .string({ message: 'must be a string' })
      .min(1, 'must not be empty')
      .max(256, 'at most 256 characters')
      .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
      .optional(),
  },
  { message: 'must be a JSON object' },
);

export const clientSecretBody = z
  .strictObject(
    {
      grace: z
        .number({ message: 'must be a number of seconds' })
        .int('must be whole seconds')
        .min(0, 'must not be negative')
        .max(MAX_GRACE_SECONDS, `at most ${MAX_GRACE_SECONDS} seconds`)
        .optional(),
    },
    { message: 'must be a JSON object' },
  )
  .default({});

// Client ids are ours (lkc_ + 22 base64url); anything else cannot be one, so it is not found.
const clientIdParam = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function adminClientRoutes(deps: Services): Router {
  const router = Router();
  const clientId = (params: unknown) => {
    const id = clientIdParam.safeParse(params).data?.id;
    if (!id) throw notFound('no such client');
    return id;
  };

  router
    .route('/clients')
    .post(jsonBody({ required: true }), async (req, res) => {
      const body = parse(createClientBody, req.body);
      const { client, secret } = await registerClient(
        deps,
        { name: body.name, type: body.type, grantTypes: body.grant_types, scopes: body.scopes, audience: body.audience },
        requestContext(req),
      );
      await deps.scopeCatalog.refresh();
      // The secret is shown here once; only its hash is kept.
      res.status(201).json({ client_id: client.id, ...(secret && { client_secret: secret }), ...clientView(client) });
    })
    .get(async (_req, res) => {
      res.json({ clients: (await deps.store.clients.list()).map((c) => ({ client_id: c.id, ...clientView(c) })) });
    })
    .all(methodNotAllowed('GET', 'HEAD', 'POST'));

  router
    .route('/clients/:id')
    .get(async (req, res) => {
      const client = await deps.store.clients.find(clientId(req.params));
      if (!client) throw notFound('no such client');
      res.json({ client_id: client.id, ...clientView(client) });
    })
    .delete(async (req, res) => {
      await deleteClient(deps, clientId(req.params), requestContext(req));
      await deps.scopeCatalog.refresh();
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'HEAD', 'DELETE'));

  router
    .route('/clients/:id/secret')
    .post(jsonBody({ required: false }), async (req, res) => {
      const id = clientId(req.params);
      const { grace = 0 } = parse(clientSecretBody, req.body);
      const secret = await rotateClientSecret(deps, id, grace, requestContext(req));
      res.status(201).json({ client_id: id, client_secret: secret });
    })
    .all(methodNotAllowed('POST'));

  return router;
}

/** What the admin API shows of a client: never a secret or its hash. */
function clientView(c: ClientRecord) {
  return {
    name: c.name,
    type: c.type,
    grant_types: c.grantTypes,
    scopes: c.scopes,
    audience: c.audience,
    createdAt: c.createdAt.toISOString(),
    ...(c.secretRotatedAt && { secretRotatedAt: c.secretRotatedAt.toISOString() }),
    ...(c.previousSecretExpiresAt && { previousSecretValidUntil: c.previousSecretExpiresAt.toISOString() }),
  };
}
