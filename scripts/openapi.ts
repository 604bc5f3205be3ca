// `npm run openapi`: writes the OpenAPI documents the listeners serve at /openapi.json, for the
// default configuration, to docs/openapi.json (public) and docs/openapi-admin.json (admin).
// The source of truth is src/http/openapi/; test/http/openapi.test.ts fails when these files
// are not what this script would write.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { OPENAPI_FILES, openApiFileContents } from '../src/http/openapi/files.js';

const root = path.resolve(import.meta.dirname, '..');
const contents = openApiFileContents(loadConfig({}));
for (const [listener, file] of Object.entries(OPENAPI_FILES)) {
  await writeFile(path.join(root, file), contents[listener as keyof typeof OPENAPI_FILES]);
  console.log(`wrote ${file}`);
}
