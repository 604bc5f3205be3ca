import { createGateway } from './app.js';

// node --import tsx examples/gateway/server.ts   (UPSTREAM_URL=http://localhost:4000 LATCHKEY_URL=http://localhost:3000 PORT=8080)
const latchkeyUrl = (process.env.LATCHKEY_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const port = Number(process.env.PORT ?? 8080);

const app = createGateway({
  issuer: process.env.LATCHKEY_ISSUER ?? latchkeyUrl,
  audience: process.env.LATCHKEY_AUDIENCE ?? 'api',
  jwksUrl: new URL(`${latchkeyUrl}/.well-known/jwks.json`),
  upstream: process.env.UPSTREAM_URL ?? 'http://localhost:4000',
});

app.listen(port, () => {
  console.log(`gateway on http://localhost:${port} → ${process.env.UPSTREAM_URL ?? 'http://localhost:4000'}`);
});
