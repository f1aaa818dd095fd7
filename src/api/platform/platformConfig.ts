import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import { defaultPlatformConfig } from '../../commands/platformConfig/defaults.js';
import { maskSecrets, updatePlatformConfig } from '../../commands/platformConfig/handlers.js';
import type { CommandDeps } from '../../commands/commandRunner.js';
import type { PlatformConfigReadModel } from '../../projections/readStore.js';
import type { PlatformConfigView } from '../../projections/platformConfigs/platformConfigView.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';

export interface PlatformConfigRouterDeps {
  commands: CommandDeps;
  platformConfigs: PlatformConfigReadModel;
  cipher: FieldCipher;
}

/** The Fynd `PlatformSchema` reply: the document with secrets masked, plus its bookkeeping fields. */
export function toPlatformSchema(applicationId: string, view: PlatformConfigView | null, config: PlatformConfig) {
  return {
    _id: applicationId,
    ...maskSecrets(config),
    ...(view === null ? {} : { created_at: view.created_at, updated_at: view.updated_at }),
    __v: view === null ? 0 : view.revision + 1,
  };
}

const body = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

export function platformConfigRouter(deps: PlatformConfigRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;

  router.get('/platform/config', async (req, res) => {
    const view = await deps.platformConfigs.get(appOf(req));
    res.json(toPlatformSchema(appOf(req), view, view?.config ?? defaultPlatformConfig()));
  });

  router.post('/platform/config', async (req, res) => {
    const patch = parseInput(body, req.body, 'body');
    await updatePlatformConfig(deps.commands, commandContext(req, 'updatePlatformConfig', platformActor(req)), appOf(req), patch, deps.cipher);
    const view = await deps.platformConfigs.get(appOf(req));
    res.json(toPlatformSchema(appOf(req), view, view?.config ?? defaultPlatformConfig()));
  });

  return router;
}
