import { RouteGroup } from '../routeTable.js';
import { DomainError } from '../../shared/errors.js';

/**
 * SDK 3.4.2's bulk import and export of customers (`{P}/users/jobs/…`, contract section
 * A.bulk-jobs) are not built: no issue has asked for them yet. They answer 501 with a message that
 * says so, rather than the 404 of a path nobody knows, so that a back office calling them learns
 * that the call is understood and not offered, and does not retry it.
 */
const notOffered = (): never => {
  throw new DomainError(
    'not_implemented',
    'not_implemented',
    'bulk import and export of customers (users/jobs) is not offered by this service yet; create customers with POST customers and read them with GET customers/list',
  );
};

export function bulkUserJobsRouter(): RouteGroup {
  const router = new RouteGroup();
  router.post('/users/jobs/import', notOffered);
  router.get('/users/jobs/import', notOffered);
  router.post('/users/jobs/export', notOffered);
  router.get('/users/jobs/export', notOffered);
  router.get('/users/jobs/:job_id', notOffered);
  return router;
}
