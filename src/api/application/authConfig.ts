import { RouteGroup } from '../routeTable.js';
import { candidateIdentifiers, findAccount } from '../../commands/signin/accounts.js';
import { parseInput } from '../errors.js';
import { applicationIdOf, type StorefrontDeps } from './deps.js';
import { toAppPlatformSchema } from './replies.js';
import { userExistsQuery } from './schemas.js';
import { defaultPlatformConfig } from '../../commands/platformConfig/defaults.js';

/** getPlatformConfig and userExists. */
export function authConfigRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();

  router.get('/platform/v1.0/config', async (req, res) => {
    const applicationId = applicationIdOf(req);
    const view = await deps.platformConfigs.get(applicationId);
    res.json(toAppPlatformSchema(applicationId, view, view?.config ?? defaultPlatformConfig()));
  });

  router.get('/authentication/v1.0/user-exists', async (req, res) => {
    const { q } = parseInput(userExistsQuery, req.query, 'query');
    await deps.limits.check(req, q);
    const account = await findAccount(deps.signin, applicationIdOf(req), candidateIdentifiers(q, deps.signin.defaultCountryCode));
    res.json({ user_exists: account !== null });
  });

  return router;
}
