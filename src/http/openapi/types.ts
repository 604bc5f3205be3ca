// The subset of OpenAPI 3.1 (https://spec.openapis.org/oas/v3.1.1) that Latchkey's documents use.
// Schemas are JSON Schema 2020-12, the dialect OpenAPI 3.1 adopts (§4.8.24).

export type Schema = { [keyword: string]: unknown };

// A type, not an interface, so that a Ref is also a Schema (a `$ref` is a schema).
export type Ref = { $ref: string };

export interface Header {
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface MediaType {
  schema: Schema;
  example?: unknown;
}

export interface Response {
  description: string;
  headers?: Record<string, Header | Ref>;
  content?: Record<string, MediaType>;
}

export type Responses = Record<string, Response | Ref>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface RequestBody {
  description?: string;
  required?: boolean;
  content: Record<string, MediaType>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses: Responses;
  security?: SecurityRequirement[];
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItem = Partial<Record<HttpMethod, Operation>> & { parameters?: Parameter[]; description?: string };

/** OpenAPI paths: the key is the Express path written with `{name}` for `:name`. */
export type Paths = Record<string, PathItem>;

export interface Components {
  schemas?: Record<string, Schema>;
  responses?: Record<string, Response>;
  headers?: Record<string, Header>;
  securitySchemes?: Record<string, Record<string, unknown>>;
}

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description?: string; license?: { name: string; identifier?: string } };
  jsonSchemaDialect?: string;
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths: Paths;
  components: Components;
  security?: SecurityRequirement[];
}
