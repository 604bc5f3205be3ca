import type { Express } from 'express';

// What an Express 5 app actually mounts, read from its router stack (router 2.x: each layer
// keeps the path it was given as `rawPath`; a route layer has `.route`, a mounted router's
// handle has its own `.stack`).

export interface MountedRoute {
  /** OpenAPI-style path: `/admin/users/{id}/revoke-sessions`. */
  path: string;
  /** Lower-case methods with a handler of their own; `.all()` handlers are not listed. */
  methods: string[];
  /** True when the route also has an `.all()` handler (e.g. the 405 answer). */
  all: boolean;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

export function mountedRoutes(app: Express): MountedRoute[] {
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
}

function walk(stack: Layer[], prefix: string): MountedRoute[] {
  return stack.flatMap((layer): MountedRoute[] => {
    if (layer.route) {
      const path = join(prefix, pathOf(layer.route.path)) || '/';
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      return [{ path: openApiPath(path), methods, all: Boolean(layer.route.methods._all) }];
    }
    if (layer.handle?.stack) return walk(layer.handle.stack, join(prefix, pathOf(layer.rawPath ?? '/')));
    return []; // plain middleware
  });
}

function pathOf(raw: unknown): string {
  if (typeof raw !== 'string') throw new Error(`cannot describe a route mounted at ${String(raw)} (a RegExp or an array)`);
  return raw;
}

/** Prefix '' is the app itself; a router mounted at '/' adds nothing. */
const join = (prefix: string, path: string) => (path === '/' ? prefix : `${prefix}${path}`);

/** Express `:name` parameters → OpenAPI `{name}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
