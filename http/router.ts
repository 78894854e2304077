/** A small route table: method + path pattern with `:params`, first match wins. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Params = Record<string, string>;
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
  /** e.g. `/api/devices/:id/commands`; a param matches one non-empty path segment. */
  path: string;
  handler: Handler;
}

interface Compiled {
  route: Route;
  parts: string[];
}

/** A route as the table holds it, without its handler: what the hub serves, for its API description (docs/openapi.yaml). */
export interface Endpoint {
  method: Route['method'];
  path: string;
}

export interface Match {
  handler: Handler;
  params: Params;
}

export class Router {
  private readonly compiled: Compiled[] = [];

  add(...routes: Route[]): this {
    for (const route of routes) this.compiled.push({ route, parts: route.path.split('/') });
    return this;
  }

  /** Every route added, in order. */
  endpoints(): Endpoint[] {
    return this.compiled.map(({ route }) => ({ method: route.method, path: route.path }));
  }

  /** The handler for this request, `null` when no path matches, `'method'` when only the method differs. */
  match(method: string, pathname: string): Match | null | 'method' {
    const segments = pathname.split('/');
    let pathMatched = false;
    for (const { route, parts } of this.compiled) {
      const params = matchParts(parts, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? 'method' : null;
  }

  /** The methods some route serves on this path, for the `Allow` header of a 405 (RFC 9110 §15.5.6); HEAD wherever GET is. */
  allowed(pathname: string): string[] {
    const segments = pathname.split('/');
    const methods = new Set<string>();
    for (const { route, parts } of this.compiled) {
      if (!matchParts(parts, segments)) continue;
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD');
    }
    return [...methods];
  }
}

function matchParts(parts: string[], segments: string[]): Params | null {
  if (parts.length !== segments.length) return null;
  const params: Params = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const seg = segments[i] as string;
    if (part.startsWith(':')) {
      if (seg.length === 0) return null;
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        return null;
      }
    } else if (part !== seg) return null;
  }
  return params;
}
