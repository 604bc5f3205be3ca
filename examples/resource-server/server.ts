import { createResourceServer } from './app.js';

// node --import tsx examples/resource-server/server.ts   (LATCHKEY_URL=http://localhost:3000 PORT=4000)
const latchkeyUrl = (process.env.LATCHKEY_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const port = Number(process.env.PORT ?? 4000);

const app = createResourceServer({
  issuer: process.env.LATCHKEY_ISSUER ?? latchkeyUrl,
  audience: process.env.LATCHKEY_AUDIENCE ?? 'api',
  jwksUrl: new URL(`${latchkeyUrl}/.well-known/jwks.json`),
});

app.listen(port, () => {
  console.log(`resource server on http://localhost:${port} (tokens from ${latchkeyUrl})`);
});
