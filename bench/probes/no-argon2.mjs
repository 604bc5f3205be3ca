// Preloaded into a server for analysis only (`node --import`, see bench/profile.ts): every argon2
// verify answers "match" at once and no hash is upgraded, so a login's other work (HTTP, the
// limits, the statements, the tokens) can be measured without argon2 sharing the cores. Never
// loaded by `npm start`: with it, any password logs in. argon2 is CommonJS, so patching its
// exports before the server imports it reaches the server's `import * as argon2`.
import { createRequire } from 'node:module';

const argon2 = createRequire(import.meta.url)('argon2');
argon2.verify = () => Promise.resolve(true);
argon2.needsRehash = () => false;
