import type { Config } from '../../config.js';
import { adminApiDocument, publicApiDocument } from './document.js';

/** Where the documents are committed (`npm run openapi` writes them for the default configuration). */
export const OPENAPI_FILES = { public: 'docs/openapi.json', admin: 'docs/openapi-admin.json' } as const;

export function openApiFileContents(config: Config): Record<keyof typeof OPENAPI_FILES, string> {
  const format = (document: object) => `${JSON.stringify(document, null, 2)}\n`;
  return { public: format(publicApiDocument(config)), admin: format(adminApiDocument(config)) };
}
