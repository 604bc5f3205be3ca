import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningHarness, startListeningHarness } from '../support/harness.js';
import { type RegisteredClient, createClient, nativeLogin } from '../support/oauth.js';

// The standard client libraries, with their documented calls, against a listening Latchkey.
// Plain http is allowed only through each library's development switch (allowInsecureRequests).

describe('standard OAuth client libraries', () => {
  let h: ListeningHarness;
  let issuer: URL;
  let service: RegisteredClient;
  let rs: RegisteredClient;
  let app: RegisteredClient;

  beforeAll(async () => {
    h = await startListeningHarness({ RATE_LIMIT: 'false' });
    issuer = new URL(h.origin);
    service = await createClient(h, {
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['reports:read', 'reports:write'],
    });
    rs = await createClient(h, { type: 'confidential', audience: 'api' });
    app = await createClient(h, { type: 'public', grant_types: ['refresh_token'] });
  });
  afterAll(() => h?.close());

  describe('oauth4webapi', () => {
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    let as: oauth.AuthorizationServer;

    beforeAll(async () => {
      as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
    });

    it('discovers the token, revocation and introspection endpoints', () => {
      expect(as.issuer).toBe(issuer.href.replace(/\/$/, ''));
      expect(as.token_endpoint).toBe(`${as.issuer}/oauth/token`);
      expect(as.revocation_endpoint).toBe(`${as.issuer}/oauth/revoke`);
      expect(as.introspection_endpoint).toBe(`${as.issuer}/oauth/introspect`);
      expect(as.scopes_supported).toEqual(expect.arrayContaining(['reports:read', 'reports:write']));
    });

    it.each([
      ['ClientSecretBasic', oauth.ClientSecretBasic],
      ['ClientSecretPost', oauth.ClientSecretPost],
    ] as const)('gets a client-credentials token with %s', async (_name, method) => {
      const c: oauth.Client = { client_id: service.client_id };
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        c,
        method(service.client_secret!),
        { scope: 'reports:read' },
        insecure,
      );
      const result = await oauth.processClientCredentialsResponse(as, c, res);
      expect(result.token_type).toBe('bearer');
      expect(result.scope).toBe('reports:read');
      expect(result).not.toHaveProperty('refresh_token');
      expect(decodeJwt(result.access_token)).toMatchObject({ sub: service.client_id, scope: 'reports:read' });
    });

    it('surfaces a wrong secret as the Basic challenge of RFC 6749 §5.2 (WWWAuthenticateChallengeError, 401)', async () => {
      const c: oauth.Client = { client_id: service.client_id };
      const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic('wrong'), {}, insecure);
      const error = await oauth.processClientCredentialsResponse(as, c, res).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      const challenge = error as oauth.WWWAuthenticateChallengeError;
      expect(challenge.status).toBe(401);
      expect(challenge.cause[0]).toMatchObject({ scheme: 'basic', parameters: { realm: 'latchkey' } });
    });

    it('refreshes a native app session with rotation, then revokes it', async () => {
      const login = await nativeLogin(h, app);
      const c: oauth.Client = { client_id: app.client_id };
      const first = await oauth.processRefreshTokenResponse(
        as,
        c,
        await oauth.refreshTokenGrantRequest(as, c, oauth.None(), login.refreshToken, insecure),
      );
      expect(first.refresh_token).toBeDefined();
      expect(first.refresh_token).not.toBe(login.refreshToken);
      const second = await oauth.processRefreshTokenResponse(
        as,
        c,
        await oauth.refreshTokenGrantRequest(as, c, oauth.None(), first.refresh_token!, insecure),
      );
      expect(second.refresh_token).not.toBe(first.refresh_token);
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, oauth.None(), second.refresh_token!, insecure));
      const after = await oauth.refreshTokenGrantRequest(as, c, oauth.None(), second.refresh_token!, insecure);
      await expect(oauth.processRefreshTokenResponse(as, c, after)).rejects.toMatchObject({
        error: 'invalid_grant',
        status: 400,
      });
    });

    it('introspects a token as a resource server', async () => {
      const login = await nativeLogin(h, app);
      const c: oauth.Client = { client_id: rs.client_id };
      const auth = oauth.ClientSecretBasic(rs.client_secret!);
      const live = await oauth.processIntrospectionResponse(
        as,
        c,
        await oauth.introspectionRequest(as, c, auth, login.accessToken, insecure),
      );
      expect(live).toMatchObject({ active: true, sub: login.userId, client_id: app.client_id, username: login.email });
      await oauth.processRevocationResponse(
        await oauth.revocationRequest(as, { client_id: app.client_id }, oauth.None(), login.refreshToken, insecure),
      );
      const dead = await oauth.processIntrospectionResponse(
        as,
        c,
        await oauth.introspectionRequest(as, c, auth, login.accessToken, insecure),
      );
      expect(dead.active).toBe(false);
    });
  });

  describe('openid-client', () => {
    const discover = async (clientId: string, auth: client.ClientAuth) => {
      const config = await client.discovery(issuer, clientId, undefined, auth, {
        algorithm: 'oauth2',
        execute: [client.allowInsecureRequests],
      });
      return config;
    };

    it('discovers and gets client-credentials tokens with client_secret_basic and client_secret_post', async () => {
      for (const auth of [client.ClientSecretBasic(service.client_secret), client.ClientSecretPost(service.client_secret)]) {
        const config = await discover(service.client_id, auth);
        expect(config.serverMetadata().token_endpoint).toMatch(/\/oauth\/token$/);
        const tokens = await client.clientCredentialsGrant(config, { scope: 'reports:write' });
        expect(tokens.scope).toBe('reports:write');
        expect(tokens.refresh_token).toBeUndefined();
        expect(tokens.expiresIn()).toBeGreaterThan(590);
      }
    });

    it('refreshes with rotation, introspects and revokes', async () => {
      const login = await nativeLogin(h, app);
      const native = await discover(app.client_id, client.None());
      const rotated = await client.refreshTokenGrant(native, login.refreshToken);
      expect(rotated.refresh_token).not.toBe(login.refreshToken);
      const resourceServer = await discover(rs.client_id, client.ClientSecretPost(rs.client_secret));
      const live = await client.tokenIntrospection(resourceServer, rotated.access_token);
      expect(live).toMatchObject({ active: true, sub: login.userId, token_type: 'access_token' });
      await client.tokenRevocation(native, rotated.refresh_token!);
      expect((await client.tokenIntrospection(resourceServer, rotated.access_token)).active).toBe(false);
      await expect(client.refreshTokenGrant(native, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });
});
