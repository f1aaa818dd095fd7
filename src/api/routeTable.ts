import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RouteParameters } from 'express-serve-static-core';
import FindMyWay from 'find-my-way';
import { invalid } from '../shared/errors.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Route {
  /** The full pattern, prefix included: what metrics label a request with. */
  pattern: string;
  handlers: RequestHandler[];
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The matched route's pattern (`/service/…/customers/:user_id`), set by the route table. */
    routePattern?: string;
  }
}

/**
 * The routes of one area of the API, written like an express router's and placed in the
 * {@link RouteTable} under a prefix, after the prefix's middleware.
 */
export class RouteGroup {
  readonly routes: { method: Method; path: string; handlers: RequestHandler[] }[] = [];

  get<Path extends string>(path: Path, ...handlers: RequestHandler<RouteParameters<Path>>[]): this {
    return this.add('GET', path, handlers as RequestHandler[]);
  }

  post<Path extends string>(path: Path, ...handlers: RequestHandler<RouteParameters<Path>>[]): this {
    return this.add('POST', path, handlers as RequestHandler[]);
  }

  put<Path extends string>(path: Path, ...handlers: RequestHandler<RouteParameters<Path>>[]): this {
    return this.add('PUT', path, handlers as RequestHandler[]);
  }

  patch<Path extends string>(path: Path, ...handlers: RequestHandler<RouteParameters<Path>>[]): this {
    return this.add('PATCH', path, handlers as RequestHandler[]);
  }

  delete<Path extends string>(path: Path, ...handlers: RequestHandler<RouteParameters<Path>>[]): this {
    return this.add('DELETE', path, handlers as RequestHandler[]);
  }

  private add(method: Method, path: string, handlers: RequestHandler[]): this {
    this.routes.push({ method, path, handlers });
    return this;
  }
}

/**
 * Every route of the service in one radix tree (find-my-way), looked up once per request.
 *
 * Nested express routers matched a request against each mounted prefix and then against each
 * route, in order, one regular expression at a time: about a sixth of a read's CPU went to
 * routing. The tree also makes routing independent of registration order (a literal segment
 * wins over a parameter, so `/customers/sessions` never reaches `/customers/:user_id`) and
 * refuses a route registered twice when the service starts instead of shadowing it silently.
 *
 * Requests keep express's request and response objects (the table is itself one middleware),
 * so handlers, body parsers and the error handler work as before; a handler's rejected promise
 * goes to the error handler exactly as express 5 does it.
 */
export class RouteTable {
  // Parameters are ids, emails and slugs; the library's default cap (100 characters) would turn a
  // long value into a 404 instead of the handler's validation error naming the field.
  private readonly tree = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 2048 });

  /**
   * `before` runs ahead of every route of the groups (authentication); `body` after it, and only
   * for methods that carry a body: a GET never pays for a body parser's checks.
   */
  add(prefix: string, middleware: { before?: RequestHandler[]; body?: RequestHandler[] }, groups: RouteGroup | RouteGroup[]): this {
    const { before = [], body = [] } = middleware;
    for (const group of Array.isArray(groups) ? groups : [groups]) {
      for (const { method, path, handlers } of group.routes) {
        const pattern = `${prefix}${path}`;
        const route: Route = { pattern, handlers: [...before, ...(method === 'GET' ? [] : body), ...handlers] };
        this.tree.on(method, pattern, () => undefined, route);
      }
    }
    return this;
  }

  readonly dispatch: RequestHandler = (req, res, next) => {
    // express answered HEAD with its GET route (node leaves the body out); keep that.
    const url = req.url;
    const query = url.indexOf('?');
    // The path alone: given the query string too, the library parses it on every lookup for nothing.
    const path = query === -1 ? url : url.slice(0, query);
    const found = this.tree.find(req.method === 'HEAD' ? 'GET' : (req.method as Method), path);
    if (found === null) {
      // The tree finds nothing where a parameter cannot be decoded: that is bad input, not an unknown route.
      next(path.includes('%') && !decodable(path) ? invalid('path', 'malformed percent-encoding') : undefined);
      return;
    }
    const route = found.store as Route;
    req.params = found.params as Record<string, string>;
    req.routePattern = route.pattern;
    runChain(route.handlers, req, res, next);
  };
}

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs handlers in turn as express does: `next(error)` or a rejected promise ends the chain in `done(error)`. */
export function runChain(handlers: RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let index = 0;
  const next = (error?: unknown): void => {
    if (error !== undefined && error !== null) {
      done(error);
      return;
    }
    const handler = handlers[index];
    index += 1;
    if (handler === undefined) {
      done();
      return;
    }
    try {
      const result: unknown = handler(req, res, next);
      if (result instanceof Promise) result.then(undefined, (rejection: unknown) => next(rejection ?? new Error('rejected promise')));
    } catch (thrown) {
      next(thrown);
    }
  };
  next();
}
